/**
 * A minimal flattened-device-tree model: nodes by path, properties as raw bytes (big-endian cells,
 * as in an FDT). Properties keep insertion order, which is deterministic. Changes are reported as
 * `dt-prop` events so a trace shows when `mpipl-boot` appeared.
 */

export type PropValue = Uint8Array;

export function propU64s(values: readonly bigint[]): PropValue {
  const b = new Uint8Array(8 * values.length);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setBigUint64(8 * i, v & 0xffff_ffff_ffff_ffffn, false));
  return b;
}

export function propString(s: string): PropValue {
  return new TextEncoder().encode(`${s}\0`);
}

export function readU64s(p: PropValue): bigint[] {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return Array.from({ length: Math.floor(p.length / 8) }, (_, i) => dv.getBigUint64(8 * i, false));
}

export function readString(p: PropValue): string {
  const end = p.indexOf(0);
  return new TextDecoder().decode(end < 0 ? p : p.subarray(0, end));
}

export type DtChange = (path: string, name: string, value: PropValue | undefined) => void;

export class DeviceTree {
  private readonly nodes = new Map<string, Map<string, PropValue>>();
  onChange: DtChange = () => {};

  hasNode(path: string): boolean {
    return this.nodes.has(path);
  }

  addNode(path: string): void {
    if (!this.nodes.has(path)) this.nodes.set(path, new Map());
  }

  removeNode(path: string): void {
    for (const p of [...this.nodes.keys()]) {
      if (p === path || p.startsWith(`${path}/`)) this.nodes.delete(p);
    }
  }

  get(path: string, name: string): PropValue | undefined {
    return this.nodes.get(path)?.get(name);
  }

  has(path: string, name: string): boolean {
    return this.get(path, name) !== undefined;
  }

  set(path: string, name: string, value: PropValue): void {
    this.addNode(path);
    this.nodes.get(path)!.set(name, value);
    this.onChange(path, name, value);
  }

  remove(path: string, name: string): void {
    const node = this.nodes.get(path);
    if (node?.delete(name)) this.onChange(path, name, undefined);
  }

  /** Children paths of a node, in insertion order. */
  children(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    return [...this.nodes.keys()].filter((p) => p.startsWith(prefix) && p !== path && !p.slice(prefix.length).includes('/'));
  }

  paths(): string[] {
    return [...this.nodes.keys()];
  }

  properties(path: string): [string, PropValue][] {
    return [...(this.nodes.get(path)?.entries() ?? [])];
  }
}
