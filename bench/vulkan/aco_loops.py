#!/usr/bin/env python3
"""aco_loops.py -- the loops of an ACO disassembly (RADV_DEBUG=shaders on stderr): for each
back edge, the blocks it spans and their instructions, all and by kind (float64 and float32
arithmetic, LDS, memory). bench/vulkan_cost.sh multiplies the hot loops' bodies by their trip
counts for one frame of Whisper's geometry.

usage: aco_loops.py DISASM.txt [--total]   (--total: the static instruction count only)"""
import re
import sys


def blocks_of(text):
    lines = text.split('\n')
    if 'disasm:' not in lines:
        return []
    out = []
    for line in lines[lines.index('disasm:') + 1:]:
        m = re.match(r'^(BB\d+):', line)
        if m:
            out.append((m.group(1), []))
        elif line.startswith('\t') and out:
            ins = line.split(';')[0].strip()
            if ins:
                out[-1][1].append(ins)
        elif out and not line.strip():
            break
    return out


KINDS = [('f64', r'v_\w+_f64'), ('f32', r'v_(add|sub|subrev|mul|fma|fmac|fmamk|fmaak)\w*_f32'),
         ('valu', r'v_'), ('salu', r's_'), ('lds', r'ds_'), ('vmem', r'(buffer|global)_')]


def count(body):
    return {k: sum(1 for x in body if re.match(p, x)) for k, p in KINDS}


def main():
    blocks = blocks_of(open(sys.argv[1], errors='replace').read())
    if '--total' in sys.argv:
        print(sum(len(b) for _, b in blocks))
        return
    at = {name: i for i, (name, _) in enumerate(blocks)}
    for i, (name, ins) in enumerate(blocks):
        for x in ins:
            m = re.match(r's_(cbranch_\w+|branch)\s+(BB\d+)', x)
            if m and at.get(m.group(2), len(blocks)) <= i:
                j = at[m.group(2)]
                body = [y for k in range(j, i + 1) for y in blocks[k][1]]
                c = count(body)
                sizes = ' '.join(f'{blocks[k][0]}:{len(blocks[k][1])}' for k in range(j, i + 1))
                print(f'loop {blocks[j][0]}..{name}: {len(body)} instructions ('
                      + ', '.join(f'{k} {v}' for k, v in c.items()) + f'); blocks {sizes}')


if __name__ == '__main__':
    main()
