import type { OtlpResourceSpans, OtlpSpanData } from './otlp-receiver.js';

/**
 * A reader of the protobuf wire format, enough for an OTLP ExportTraceServiceRequest: varints, fixed-size
 * fields and length-delimited ones (sub-messages, strings, bytes). Unknown fields are skipped.
 */
class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buffer.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.buffer[this.offset++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  tag(): { field: number; wire: number } {
    const tag = Number(this.varint());
    return { field: tag >>> 3, wire: tag & 7 };
  }

  bytes(): Buffer {
    const length = Number(this.varint());
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  fixed64(): Buffer {
    const value = this.buffer.subarray(this.offset, this.offset + 8);
    this.offset += 8;
    return value;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.offset += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.offset += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** Calls `onField` for each field of a message; the callback reads the value or returns false to skip it. */
function fields(buffer: Buffer, onField: (field: number, wire: number, reader: Reader) => boolean): void {
  const reader = new Reader(buffer);
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (!onField(field, wire, reader)) reader.skip(wire);
  }
}

function anyValue(buffer: Buffer): unknown {
  let value: unknown;
  fields(buffer, (field, wire, reader) => {
    if (field === 1 && wire === 2) value = reader.bytes().toString('utf8');
    else if (field === 2 && wire === 0) value = reader.varint() !== 0n;
    else if (field === 3 && wire === 0) value = Number(BigInt.asIntN(64, reader.varint()));
    else if (field === 4 && wire === 1) value = reader.fixed64().readDoubleLE(0);
    else if (field === 5 && wire === 2) {
      const values: unknown[] = [];
      fields(reader.bytes(), (inner, innerWire, innerReader) => {
        if (inner !== 1 || innerWire !== 2) return false;
        values.push(anyValue(innerReader.bytes()));
        return true;
      });
      value = values;
    } else return false;
    return true;
  });
  return value;
}

function keyValue(buffer: Buffer, into: Record<string, unknown>): void {
  let key = '';
  let value: unknown;
  fields(buffer, (field, wire, reader) => {
    if (field === 1 && wire === 2) key = reader.bytes().toString('utf8');
    else if (field === 2 && wire === 2) value = anyValue(reader.bytes());
    else return false;
    return true;
  });
  into[key] = value;
}

function span(buffer: Buffer): OtlpSpanData {
  const decoded: OtlpSpanData = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    attributes: {},
    links: [],
    statusCode: 0,
    statusMessage: '',
  };
  fields(buffer, (field, wire, reader) => {
    if (field === 1 && wire === 2) decoded.traceId = reader.bytes().toString('hex');
    else if (field === 2 && wire === 2) decoded.spanId = reader.bytes().toString('hex');
    else if (field === 4 && wire === 2) decoded.parentSpanId = reader.bytes().toString('hex');
    else if (field === 5 && wire === 2) decoded.name = reader.bytes().toString('utf8');
    else if (field === 6 && wire === 0) decoded.kind = Number(reader.varint());
    else if (field === 9 && wire === 2) keyValue(reader.bytes(), decoded.attributes);
    else if (field === 13 && wire === 2) {
      const link = { traceId: '', spanId: '' };
      fields(reader.bytes(), (inner, innerWire, innerReader) => {
        if (inner === 1 && innerWire === 2) link.traceId = innerReader.bytes().toString('hex');
        else if (inner === 2 && innerWire === 2) link.spanId = innerReader.bytes().toString('hex');
        else return false;
        return true;
      });
      decoded.links.push(link);
    } else if (field === 15 && wire === 2) {
      fields(reader.bytes(), (inner, innerWire, innerReader) => {
        if (inner === 2 && innerWire === 2) decoded.statusMessage = innerReader.bytes().toString('utf8');
        else if (inner === 3 && innerWire === 0) decoded.statusCode = Number(innerReader.varint());
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  return decoded;
}

/** Decodes an OTLP/HTTP protobuf ExportTraceServiceRequest. */
export function decodeOtlpProtobuf(body: Buffer): OtlpResourceSpans[] {
  const result: OtlpResourceSpans[] = [];
  fields(body, (field, wire, reader) => {
    if (field !== 1 || wire !== 2) return false;
    const resourceSpans: OtlpResourceSpans = { resource: {}, scopes: [] };
    fields(reader.bytes(), (inner, innerWire, innerReader) => {
      if (inner === 1 && innerWire === 2) {
        fields(innerReader.bytes(), (attr, attrWire, attrReader) => {
          if (attr !== 1 || attrWire !== 2) return false;
          keyValue(attrReader.bytes(), resourceSpans.resource);
          return true;
        });
      } else if (inner === 2 && innerWire === 2) {
        const scope = { scope: '', spans: [] as OtlpSpanData[] };
        fields(innerReader.bytes(), (part, partWire, partReader) => {
          if (part === 1 && partWire === 2) {
            fields(partReader.bytes(), (s, sWire, sReader) => {
              if (s !== 1 || sWire !== 2) return false;
              scope.scope = sReader.bytes().toString('utf8');
              return true;
            });
          } else if (part === 2 && partWire === 2) scope.spans.push(span(partReader.bytes()));
          else return false;
          return true;
        });
        resourceSpans.scopes.push(scope);
      } else return false;
      return true;
    });
    result.push(resourceSpans);
    return true;
  });
  return result;
}
