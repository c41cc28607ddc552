/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zlib, PNG and gzip use.
 * Written here rather than taken from node:zlib because zlib.crc32 only exists from Node 20.15,
 * and package.json promises Node >= 20. The table is built once from the polynomial, so the value
 * is defined by the algorithm alone and is the same on every host.
 */

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes[start, end)`; `crc32(new TextEncoder().encode('123456789'))` is 0xcbf43926.
 * `previous` continues a CRC as zlib's crc32(crc, buf) does: crc32(b, 0, b.length, crc32(a)) is
 * the CRC of a ‖ b, so a long stream is checked without gathering it in one buffer.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

