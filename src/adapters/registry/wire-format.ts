// The Confluent wire format of a schema-registry-framed Kafka value:
//   byte 0      magic byte, always 0
//   bytes 1..4  schema id, 32-bit big-endian
//   bytes 5..   the serialized payload (Avro binary here)
// Pure helpers: no I/O, no registry.

export const MAGIC_BYTE = 0;
/** Magic byte plus schema id. */
export const HEADER_BYTES = 5;
/** Schema ids are Java ints in Confluent's clients: non-negative ones fit in 31 bits. */
export const MAX_SCHEMA_ID = 0x7fff_ffff;

/** True when the value starts with the magic byte and is long enough to hold a schema id. */
export function isConfluentFramed(buf: Uint8Array): boolean {
  return buf.length >= HEADER_BYTES && buf[0] === MAGIC_BYTE;
}

/** The schema id of a framed value. Throws a RangeError when the value is not framed. */
export function schemaIdOf(buf: Uint8Array): number {
  if (!isConfluentFramed(buf)) {
    throw new RangeError(
      buf.length < HEADER_BYTES
        ? `not a Confluent-framed value: ${buf.length} bytes, the header needs ${HEADER_BYTES}`
        : `not a Confluent-framed value: magic byte ${buf[0]}, expected ${MAGIC_BYTE}`,
    );
  }
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(1, false);
}

/** The payload after the header of a framed value (a view, not a copy). */
export function payloadOf(buf: Uint8Array): Buffer {
  schemaIdOf(buf);
  return Buffer.from(buf.buffer, buf.byteOffset + HEADER_BYTES, buf.byteLength - HEADER_BYTES);
}

/** Magic byte + schema id + payload. Throws a RangeError for an id that is not an integer in 0..2^31-1. */
export function frame(schemaId: number, payload: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > MAX_SCHEMA_ID) {
    throw new RangeError(`schema id must be an integer in 0..${MAX_SCHEMA_ID}, got ${schemaId}`);
  }
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  out.set(payload, HEADER_BYTES);
  return out;
}
