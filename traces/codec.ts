/**
 * The only importer of msgpackr. Every option is written out (trace-format.md): the on-disk bytes
 * must not change when msgpackr changes a default, and no module-global extension registry or
 * record `structures` may become out-of-band state a reader needs.
 *
 * Payloads hold only MessagePack core types (nil, bool, int, float64, str, bin, array, map with
 * string keys). Before msgpackr sees a payload from a file, `scanPayload` walks it and rejects
 * anything else: ext types (msgpackr would decode records, Sets, RegExps, Errors from them),
 * counts larger than the bytes left (so a forged array32 header cannot make the decoder loop or
 * allocate), nesting deeper than PAYLOAD_DEPTH_MAX, and trailing bytes.
 */
import { Packr, Unpackr, FLOAT32_OPTIONS } from 'msgpackr';

const MSGPACK_OPTIONS = {
  // Objects are plain MessagePack maps, readable by any MessagePack decoder.
  useRecords: false,
  structures: undefined,
  maxSharedStructures: 0,
  sequential: false,
  shouldShareStructure: undefined,
  // Maps decode to plain objects (keys are always strings in our payloads; scanPayload checks).
  mapsAsObjects: true,
  // A uint64/int64 decodes exactly as a bigint; our writer never emits one (cycles above 2^32 are
  // float64, exact below 2^53), so this only matters for hand-made files, which validation rejects.
  int64AsType: 'bigint' as const,
  largeBigIntToFloat: false,
  largeBigIntToString: false,
  useBigIntExtension: false,
  // No library-specific extensions at all.
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  useTimestamp32: false,
  encodeUndefinedAsNil: false,
  // Doubles stay doubles: a float32 round trip would change values.
  useFloat32: FLOAT32_OPTIONS.NEVER,
  // fixmap for small objects: smaller, and still the same bytes for the same input.
  variableMapSize: true,
  coercibleKeyAsNumber: false,
  // Decoded `bin` values own their memory, so a chunk buffer can be reused.
  copyBuffers: true,
  mapAsEmptyObject: false,
  setAsEmptyObject: false,
  allowArraysInMapKeys: false,
};

const packr = new Packr(MSGPACK_OPTIONS);
const unpackr = new Unpackr(MSGPACK_OPTIONS);

/** Maximum nesting of arrays and maps inside one payload (config objects are shallow). */
export const PAYLOAD_DEPTH_MAX = 32;

/** A payload that is not what the format allows. The reader adds the file name and offset. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

/** A value we are willing to put in a payload: JSON-like plus Uint8Array for bulk bytes. */
export type PayloadValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | readonly PayloadValue[]
  | { readonly [key: string]: PayloadValue };

/**
 * Copy `value` with every object's keys sorted (so insertion order never reaches the file) and
 * `undefined` members dropped (as JSON.stringify does). Anything outside PayloadValue is a bug in
 * the caller and throws PayloadError.
 */
export function canonicalize(value: unknown, depth = 0): PayloadValue {
  if (depth > PAYLOAD_DEPTH_MAX) throw new PayloadError(`value nested deeper than ${PAYLOAD_DEPTH_MAX}`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PayloadError(`non-finite number ${value}`);
    // -0 would pack as a float64 and come back distinguishable from 0 only by Object.is.
    return value === 0 ? 0 : value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v) => canonicalize(v, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, PayloadValue> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalize(v, depth + 1);
    }
    return out;
  }
  throw new PayloadError(`cannot store a ${typeof value} (${Object.prototype.toString.call(value)}) in a trace`);
}

export function packPayload(value: unknown): Uint8Array {
  const packed = packr.pack(canonicalize(value));
  // Packr reuses an internal buffer between calls; copy out what we keep.
  return new Uint8Array(packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength));
}

export function unpackPayload(bytes: Uint8Array): unknown {
  scanPayload(bytes);
  try {
    return unpackr.unpack(bytes);
  } catch (e) {
    throw new PayloadError(`undecodable MessagePack (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Walk one MessagePack value covering exactly `bytes`, iteratively, admitting only the core types.
 * Cost is linear in the payload; memory is the depth stack.
 */
export function scanPayload(bytes: Uint8Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  // Per open container: values still to read, and whether the next one is a map key.
  const remaining: number[] = [];
  const isMap: boolean[] = [];
  const keyNext: boolean[] = [];
  let valuesLeft = 1;

  const need = (n: number, what: string): void => {
    if (pos + n > bytes.length) throw new PayloadError(`${what} runs past the end of the payload`);
  };
  const open = (count: number, map: boolean): void => {
    const values = map ? count * 2 : count;
    // Every value takes at least one byte: a count beyond the bytes left is a lie.
    if (values > bytes.length - pos) throw new PayloadError(`container of ${count} entries in ${bytes.length - pos} bytes`);
    if (remaining.length >= PAYLOAD_DEPTH_MAX) throw new PayloadError(`nesting deeper than ${PAYLOAD_DEPTH_MAX}`);
    remaining.push(values);
    isMap.push(map);
    keyNext.push(map);
  };

  while (valuesLeft > 0 || remaining.length > 0) {
    const depth = remaining.length;
    if (depth > 0 && remaining[depth - 1] === 0) {
      remaining.pop();
      isMap.pop();
      keyNext.pop();
      continue;
    }
    if (depth === 0) valuesLeft--;
    else remaining[depth - 1]!--;
    const mustBeKey = depth > 0 && keyNext[depth - 1] === true;
    if (depth > 0 && isMap[depth - 1]) keyNext[depth - 1] = !keyNext[depth - 1];

    need(1, 'value');
    const t = bytes[pos++]!;
    const isString = (t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb;
    if (mustBeKey && !isString) throw new PayloadError(`map key of type 0x${t.toString(16)} is not a string`);
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) continue;
    if (t <= 0x8f) open(t & 0x0f, true);
    else if (t <= 0x9f) open(t & 0x0f, false);
    else if (t <= 0xbf) skip(t & 0x1f, 'string');
    else if (t === 0xc4 || t === 0xd9) skip(lengthField(1), t === 0xc4 ? 'bin' : 'string');
    else if (t === 0xc5 || t === 0xda) skip(lengthField(2), t === 0xc5 ? 'bin' : 'string');
    else if (t === 0xc6 || t === 0xdb) skip(lengthField(4), t === 0xc6 ? 'bin' : 'string');
    else if (t === 0xca) skip(4, 'float32');
    else if (t === 0xcb) skip(8, 'float64');
    else if (t === 0xcc || t === 0xd0) skip(1, 'int8');
    else if (t === 0xcd || t === 0xd1) skip(2, 'int16');
    else if (t === 0xce || t === 0xd2) skip(4, 'int32');
    else if (t === 0xcf || t === 0xd3) skip(8, 'int64');
    else if (t === 0xdc) open(lengthField(2), false);
    else if (t === 0xdd) open(lengthField(4), false);
    else if (t === 0xde) open(lengthField(2), true);
    else if (t === 0xdf) open(lengthField(4), true);
    else throw new PayloadError(`MessagePack type 0x${t.toString(16)} is not allowed in a trace`);
  }
  if (pos !== bytes.length) throw new PayloadError(`${bytes.length - pos} bytes after the payload value`);

  function lengthField(sizeBytes: 1 | 2 | 4): number {
    need(sizeBytes, 'length field');
    const v = sizeBytes === 1 ? dv.getUint8(pos) : sizeBytes === 2 ? dv.getUint16(pos, false) : dv.getUint32(pos, false);
    pos += sizeBytes;
    return v;
  }
  function skip(n: number, what: string): void {
    need(n, what);
    pos += n;
  }
}
