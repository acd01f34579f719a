/**
 * Writes ustar archives for tests, with the hostile variants a reader must survive (a wrong
 * checksum, a size field that lies, links, names that climb out). Real tars come from `tar`.
 */
export interface TarMember {
  name: string;
  body?: Uint8Array | string;
  /** '0' file (default), '2' symlink, '1' hard link, '5' directory. */
  type?: string;
  linkName?: string;
  /** Declared size when it should differ from the body's (a lying header). */
  declaredSize?: number;
  badChecksum?: boolean;
}

function field(block: Uint8Array, at: number, length: number, text: string): void {
  block.set(new TextEncoder().encode(text).subarray(0, length), at);
}

function header(m: TarMember, size: number): Uint8Array {
  const h = new Uint8Array(512);
  field(h, 0, 100, m.name);
  field(h, 100, 8, '0000644\0');
  field(h, 108, 8, '0000000\0');
  field(h, 116, 8, '0000000\0');
  if (size < 8 ** 11) field(h, 124, 12, size.toString(8).padStart(11, '0') + '\0');
  else {
    // GNU base-256 for sizes past 8 GiB.
    h[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
  }
  field(h, 136, 12, '15000000000\0');
  field(h, 156, 1, m.type ?? '0');
  field(h, 157, 100, m.linkName ?? '');
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  if (m.badChecksum) sum += 1;
  field(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

export function makeTar(members: readonly TarMember[], { end = true } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const body = typeof m.body === 'string' ? new TextEncoder().encode(m.body) : (m.body ?? new Uint8Array(0));
    parts.push(header(m, m.declaredSize ?? body.length));
    parts.push(body);
    const pad = (512 - (body.length % 512)) % 512;
    parts.push(new Uint8Array(pad));
  }
  if (end) parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
