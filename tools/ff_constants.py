#!/usr/bin/env python3
"""Float-float constants for src/vulkan/shaders/arith_ff.glsl.

Each constant c is written as hi + lo with hi = round_f32(c) and lo = round_f32(c - hi),
both rounded to nearest-even from the exact (60-digit) value, with no detour through
float64.  Each float is printed with repr() of its exact value as a double: the
shortest decimal that parses back to that double, and since the double is exactly the
float32, a compiler that parses the literal straight to float32 or through float64
gets the same bits.  The hex bits are printed beside it for checking.
Usage: python3 tools/ff_constants.py
"""
import struct
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 60


def round_f32(x):
    """Round a Fraction to the nearest float32 (ties to even), as a Fraction."""
    if x == 0:
        return Fraction(0)
    sign = -1 if x < 0 else 1
    a = abs(x)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    while Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    e = max(e, -126)  # subnormal range keeps the exponent of the smallest normal
    scaled = a / Fraction(2) ** (e - 23)
    q, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q & 1):
        q += 1
    return sign * Fraction(q) * Fraction(2) ** (e - 23)


def split(c):
    hi = round_f32(c)
    lo = round_f32(c - hi)
    return hi, lo


def lit(f):
    d = float(f)
    assert Fraction(d) == f
    bits = struct.unpack('<I', struct.pack('<f', d))[0]
    return repr(d), bits


def show(name, c):
    hi, lo = split(c)
    (hs, hb), (ls, lb) = lit(hi), lit(lo)
    err = float(abs(c - hi - lo) / abs(c))
    print(f"{name}: hi = {hs} (0x{hb:08x}), lo = {ls} (0x{lb:08x}), rel. error of hi+lo {err:.2e}")


ln2 = Fraction(Decimal(2).ln())
show("ln2", ln2)
for k in range(1, 12):
    show(f"1/{2 * k + 1}", Fraction(1, 2 * k + 1))
