// The merge's CBOR is cborg's, byte for byte and value for value, on Pagefind's shapes and on
// anything else (which it hands to cborg).
import { decode, encode } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from './cbor.ts';

const int = fc.oneof(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -70_000, max: 70_000 }), fc.integer({ min: -(2 ** 32) - 5, max: 2 ** 32 + 5 }), fc.maxSafeInteger(), fc.constant(-(2 ** 53) + 1));
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 300 }));
/** Pagefind's pf_index: [[[word, [[page delta, [locs], [meta locs]]], [[variant form, [postings]]]]]]. */
const posting = fc.tuple(int, fc.array(int, { maxLength: 30 }), fc.array(int, { maxLength: 4 }));
const chunk = fc.tuple(fc.array(fc.tuple(text, fc.array(posting, { maxLength: 12 }), fc.array(fc.tuple(text, fc.array(posting, { maxLength: 3 })), { maxLength: 2 })), { maxLength: 20 }));

describe("the merge's CBOR", () => {
  it("writes exactly cborg's bytes for index chunks, and reads them back as cborg does", () => {
    fc.assert(
      fc.property(chunk, (value) => {
        const bytes = encodeCbor(value);
        expect(Buffer.from(bytes).equals(Buffer.from(encode(value)))).toBe(true);
        expect(decodeCbor(bytes)).toEqual(decode(bytes));
        expect(decodeCbor(bytes)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('grows its buffer for a chunk larger than it starts with', () => {
    const big = [Array.from({ length: 3000 }, (_, i) => [`word${i}`, [[i, Array.from({ length: 40 }, (_, k) => k * 1000), []]], []])];
    const bytes = encodeCbor(big);
    expect(bytes.length).toBeGreaterThan(1 << 17);
    expect(Buffer.from(bytes).equals(Buffer.from(encode(big)))).toBe(true);
    expect(decodeCbor(bytes)).toEqual(big);
  });

  it("hands values outside Pagefind's shape to cborg, with cborg's result", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), fc.integer()), fc.uint8Array(), fc.constant(-0), fc.constant(2 ** 60), fc.array(fc.oneof(fc.integer(), fc.double(), fc.string()))), (value) => {
        const bytes = encodeCbor(value);
        expect(Buffer.from(bytes).equals(Buffer.from(encode(value)))).toBe(true);
        expect(decodeCbor(bytes)).toEqual(decode(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('fails on a damaged file as cborg does, naming what is wrong, and never reads past the end', () => {
    const good = encodeCbor([[['supply', [[3, [1, 2], []]], []]]]);
    for (let cut = 0; cut < good.length; cut++) {
      const part = good.subarray(0, cut);
      expect(() => decodeCbor(part), `cut at ${cut}`).toThrow(/CBOR decode error/);
    }
    // Bytes past the value, and a string that is not UTF-8: cborg's verdicts.
    expect(() => decodeCbor(Uint8Array.from([...good, 0x01]))).toThrow(/CBOR decode error/);
    const notUtf8 = Uint8Array.from([0x82, 0x62, 0xc3, 0x28, 0x01]);
    expect(decodeCbor(notUtf8)).toEqual(decode(notUtf8));
  });
});
