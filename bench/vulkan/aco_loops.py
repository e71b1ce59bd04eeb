#!/usr/bin/env python3
"""aco_loops.py -- the loops of an ACO disassembly (RADV_DEBUG=shaders on stderr): for each
back edge, the blocks it spans and their instructions, all and by kind (float64 and float32
arithmetic, LDS, memory). bench/vulkan_cost.sh multiplies the hot loops' bodies by their trip
counts for one frame of Whisper's geometry.

usage: aco_loops.py DISASM.txt [--total] [--trips N,N,...]
  --total: the static instruction count only;
  --trips: each loop's trips for one frame, in the order the loops are printed (0 for a loop
           the frame does not take): the instructions a frame's wave runs in its loops,
           each loop's body (less the loops nested in it, counted with their own trips)
           times its trips. Straight-line code is left out, and a loop's body counts every
           branch in it, taken or not: an upper bound of what the loops run."""
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
    loops = []
    for i, (name, ins) in enumerate(blocks):
        for x in ins:
            m = re.match(r's_(cbranch_\w+|branch)\s+(BB\d+)', x)
            if m and at.get(m.group(2), len(blocks)) <= i:
                j = at[m.group(2)]
                loops.append((j, i))
                body = [y for k in range(j, i + 1) for y in blocks[k][1]]
                c = count(body)
                sizes = ' '.join(f'{blocks[k][0]}:{len(blocks[k][1])}' for k in range(j, i + 1))
                print(f'loop {blocks[j][0]}..{name}: {len(body)} instructions ('
                      + ', '.join(f'{k} {v}' for k, v in c.items()) + f'); blocks {sizes}')
    if '--trips' in sys.argv:
        trips = [int(t) for t in sys.argv[sys.argv.index('--trips') + 1].split(',')]
        if len(trips) != len(loops):
            sys.exit(f'aco_loops.py: {len(loops)} loops, {len(trips)} trip counts')
        total = 0
        for n, (j, i) in enumerate(loops):
            size = sum(len(blocks[k][1]) for k in range(j, i + 1))
            inner = [(a, b) for a, b in loops if (a, b) != (j, i) and j <= a and b <= i]
            # the outermost of the nested loops only
            inner = [(a, b) for a, b in inner if not any((c, d) != (a, b) and c <= a and b <= d for c, d in inner)]
            size -= sum(len(blocks[k][1]) for a, b in inner for k in range(a, b + 1))
            total += size * trips[n]
        print(f'a frame: {total} instructions in its loops')


if __name__ == '__main__':
    main()
