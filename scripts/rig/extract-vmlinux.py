#!/usr/bin/env python3
# Usage: extract-vmlinux.py BZIMAGE OUT
#   Write the ELF vmlinux inside an x86 bzImage to OUT (xz- or gzip-compressed payloads), so that
#   xl loads an ELF directly instead of decompressing the bzImage in dom0 under TCG (~6 s).
import lzma
import sys
import zlib


def payloads(data):
    """Yield (name, decompressor) for every compressed stream magic found in data."""
    for magic, name in ((b'\xfd7zXZ\x00', 'xz'), (b'\x1f\x8b\x08', 'gzip')):
        off = data.find(magic)
        while off >= 0:
            yield name, off
            off = data.find(magic, off + 1)


def decompress(name, blob):
    if name == 'xz':
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(blob)
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(blob)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__ or 'usage: extract-vmlinux.py BZIMAGE OUT')
    data = open(sys.argv[1], 'rb').read()
    for name, off in payloads(data):
        try:
            out = decompress(name, data[off:])
        except (lzma.LZMAError, zlib.error, EOFError):
            continue
        if out[:4] == b'\x7fELF':
            with open(sys.argv[2], 'wb') as f:
                f.write(out)
            print(f'{sys.argv[2]}: {len(out)} bytes ({name} payload at {off})')
            return
    sys.exit(f'{sys.argv[1]}: no xz or gzip compressed ELF payload found')


if __name__ == '__main__':
    main()
