/*
 * testinit-blk.c: testinit's block device checks: blk (blk-rw: a random pattern written to
 * /dev/xvda reads back after the caches go), fs (fs-file: a file on xvdb's ext2 file system
 * reads back after a remount), and --verify, with which dom0 checks the same patterns on its
 * side (blk-dom0, fs-dom0); wait_blockdev() and pread_all() serve switch-root and the
 * lifecycle items too.
 */
#include "testinit.h"

#define BLK_OFFSET (1u << 20)	/* pattern written at 1 MiB ... */
#define BLK_LEN (4u << 20)	/* ... 4 MiB long */
#define FS_LEN (1u << 20)	/* the fs check's file: 1 MiB */
#define FS_FILE "/mnt/xtest.dat"

/* ------------------------------------------------------------------------------------- */
/* blk: a fresh random 4 MiB pattern written to /dev/xvda reads back after the caches go  */
/* ------------------------------------------------------------------------------------- */

int wait_blockdev(const char *name, char *path, size_t n, double ms)
{
	double t0 = now_ms();
	char sysf[64];
	unsigned maj, mnr;
	struct stat st;
	FILE *f;

	snprintf(path, n, "/dev/%s", name);
	snprintf(sysf, sizeof(sysf), "/sys/block/%s/dev", name);
	while (now_ms() - t0 < ms) {
		if (!stat(path, &st) && S_ISBLK(st.st_mode))
			return 0;
		f = fopen(sysf, "r");	/* no devtmpfs: make the node ourselves */
		if (f) {
			if (fscanf(f, "%u:%u", &maj, &mnr) == 2)
				mknod(path, S_IFBLK | 0600, makedev(maj, mnr));
			fclose(f);
		}
		usleep(100000);
	}
	return -1;
}

int pread_all(int fd, unsigned char *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = pread(fd, buf + done, len - done, off + done);
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static size_t first_diff(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

void check_blk(void)
{
	char dev[32];
	unsigned char *want = NULL, *got = NULL;
	uint64_t seed = random_seed(), size = 0;
	const char *how = "O_DIRECT";
	size_t done = 0, d;
	ssize_t r;
	int fd, fd2;
	double t0 = now_ms();

	if (wait_blockdev("xvda", dev, sizeof(dev), 20000)) {
		FAIL("blk-rw", "no /dev/xvda after 20 s (blkfront not probed?)");
		return;
	}
	if (posix_memalign((void **)&want, 4096, BLK_LEN) || posix_memalign((void **)&got, 4096, BLK_LEN)) {
		FAIL("blk-rw", "out of memory");
		goto out;
	}
	fill_pattern(want, BLK_LEN, seed);
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		FAIL("blk-rw", "open %s: %s", dev, strerror(errno));
		goto out;
	}
	if (ioctl(fd, BLKGETSIZE64, &size) || size < BLK_OFFSET + BLK_LEN) {
		FAIL("blk-rw", "%s size %llu, need %u", dev, (unsigned long long)size, BLK_OFFSET + BLK_LEN);
		close(fd);
		goto out;
	}
	if (pread_all(fd, got, BLK_LEN, BLK_OFFSET) == 0 && !memcmp(got, want, BLK_LEN)) {
		FAIL("blk-rw", "the disk held the fresh pattern before it was written");
		close(fd);
		goto out;
	}
	while (done < BLK_LEN) {
		r = pwrite(fd, want + done, BLK_LEN - done, BLK_OFFSET + done);
		if (r <= 0) {
			FAIL("blk-rw", "write at %zu: %s", done, r ? strerror(errno) : "short");
			close(fd);
			goto out;
		}
		done += r;
	}
	if (fsync(fd)) {
		FAIL("blk-rw", "fsync: %s", strerror(errno));
		close(fd);
		goto out;
	}
	ioctl(fd, BLKFLSBUF, 0);	/* drop the device's page cache */
	close(fd);
	fd2 = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd2 >= 0) {
		if (write(fd2, "3\n", 2) < 0)
			how = "O_DIRECT (drop_caches failed)";
		close(fd2);
	}
	memset(got, 0, BLK_LEN);
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		how = "buffered read after BLKFLSBUF";
		fd = open(dev, O_RDONLY);
	}
	if (fd < 0 || pread_all(fd, got, BLK_LEN, BLK_OFFSET)) {
		FAIL("blk-rw", "read back: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	d = first_diff(got, want, BLK_LEN);
	if (d != BLK_LEN)
		FAIL("blk-rw", "read back differs at byte %zu of %u", d, BLK_LEN);
	else
		PASS("blk-rw", "%u bytes at %u on %s (%llu MiB) written, fsync'd, read back (%s) equal, %.0f ms",
		     BLK_LEN, BLK_OFFSET, dev, (unsigned long long)(size >> 20), how, now_ms() - t0);
	/* for the host side (blk-dom0): the disk image must hold the same pattern */
	printf("XTEST-BLK: seed=0x%016llx offset=%u len=%u\n", (unsigned long long)seed, BLK_OFFSET, BLK_LEN);
	fflush(stdout);
out:
	free(want);
	free(got);
}

/* fs: on an ext2 file system (made by dom0 on xvdb), a file reads back after a remount  */
static int mount_ext2(const char *dev)
{
	if (!mount(dev, "/mnt", "ext2", 0, NULL))
		return 0;
	return mount(dev, "/mnt", "ext4", 0, NULL);
}

void check_fs(void)
{
	char dev[32];
	unsigned char *want = malloc(FS_LEN), *got = malloc(FS_LEN);
	uint64_t seed = random_seed();
	struct stat st;
	size_t done = 0, d;
	ssize_t r;
	int fd;
	double t0 = now_ms();

	if (!want || !got) {
		FAIL("fs-file", "out of memory");
		goto out;
	}
	if (wait_blockdev("xvdb", dev, sizeof(dev), 20000)) {
		FAIL("fs-file", "no /dev/xvdb after 20 s (blkfront not probed?)");
		goto out;
	}
	mkdir("/mnt", 0755);
	if (mount_ext2(dev)) {
		FAIL("fs-file", "mount %s as ext2/ext4: %s (no ext2 support in this kernel?)", dev,
		     strerror(errno));
		goto out;
	}
	fill_pattern(want, FS_LEN, seed);
	fd = open(FS_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (fd >= 0 && done < FS_LEN) {
		r = write(fd, want + done, FS_LEN - done);
		if (r <= 0)
			break;
		done += r;
	}
	if (fd < 0 || done != FS_LEN || fsync(fd) || close(fd)) {
		FAIL("fs-file", "writing %s: %s", FS_FILE, strerror(errno));
		umount("/mnt");
		goto out;
	}
	if (umount("/mnt")) {
		FAIL("fs-file", "umount: %s", strerror(errno));
		goto out;
	}
	fd = open(dev, O_RDONLY);	/* drop the device's cached blocks before the remount */
	if (fd >= 0) {
		ioctl(fd, BLKFLSBUF, 0);
		close(fd);
	}
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3\n", 2) < 0)
			printf("INFO fs: drop_caches: %s\n", strerror(errno));
		close(fd);
	}
	if (mount_ext2(dev)) {
		FAIL("fs-file", "remount %s: %s", dev, strerror(errno));
		goto out;
	}
	fd = open(FS_FILE, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || st.st_size != FS_LEN || pread_all(fd, got, FS_LEN, 0)) {
		FAIL("fs-file", "after remount, %s: %s (size %lld)", FS_FILE,
		     fd < 0 ? strerror(errno) : "short", fd < 0 ? -1LL : (long long)st.st_size);
		if (fd >= 0)
			close(fd);
		umount("/mnt");
		goto out;
	}
	close(fd);
	umount("/mnt");
	d = first_diff(got, want, FS_LEN);
	if (d != FS_LEN) {
		FAIL("fs-file", "%s differs after remount at byte %zu", FS_FILE, d);
		goto out;
	}
	PASS("fs-file", "%u-byte %s on %s written, fsync'd, read back equal after a remount, %.0f ms",
	     FS_LEN, FS_FILE, dev, now_ms() - t0);
	printf("XTEST-FS: seed=0x%016llx len=%u\n", (unsigned long long)seed, FS_LEN);
	fflush(stdout);
out:
	free(want);
	free(got);
}

int verify_file(const char *name, const char *file, const char *seed_s, const char *off_s,
		       const char *len_s)
{
	uint64_t seed = strtoull(seed_s, NULL, 0);
	off_t off = strtoull(off_s, NULL, 0);
	size_t len = strtoul(len_s, NULL, 0), d;
	unsigned char *want = malloc(len), *got = malloc(len);
	int fd = open(file, O_RDONLY);

	if (!want || !got || fd < 0 || pread_all(fd, got, len, off)) {
		FAIL(name, "reading %zu bytes at %lld of %s: %s", len, (long long)off, file,
		     strerror(errno));
		return 1;
	}
	fill_pattern(want, len, seed);
	d = first_diff(got, want, len);
	if (d != len)
		FAIL(name, "%s differs from the guest's pattern at byte %zu", file, d);
	else
		PASS(name, "%s holds the guest's %zu-byte pattern (seed %s)", file, len, seed_s);
	return d != len;
}

