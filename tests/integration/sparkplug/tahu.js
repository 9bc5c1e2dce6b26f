// Eclipse Tahu's Sparkplug B payload library (npm sparkplug-payload), the
// independent side of 17-sparkplug-payload.py:
//   node tahu.js decode   reads "<case> <hex>" lines, prints "<case> <json>"
//   node tahu.js encode   prints "<case> <hex>" for each sample command
//   node tahu.js encode-each   reads "<case> <json payload>" lines, prints
//                              "<case> <hex>" (a host's commands in a test)
// 64-bit values (Long) are printed as decimal strings.
'use strict';
const readline = require('readline');
const sparkplug = require('sparkplug-payload').get('spBv1.0');
const Long = require('long');
const wire = require('sparkplug-payload/lib/sparkplugPayloadProto').org.eclipse.tahu.protobuf.Payload;

function plain(value) {
  if (Long.isLong(value)) {
    return value.toString();
  }
  if (Array.isArray(value)) {
    return value.map(plain);
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out = {};
    for (const [key, member] of Object.entries(value)) {
      out[key] = plain(member);
    }
    return out;
  }
  return value;
}

// Data messages carry no data types (Sparkplug 3.0,
// tck-id-payloads-metric-datatype-not-req): a host takes them from the
// births, by alias. Tahu's decodePayload is stateless and leaves such values
// null, so they are read here from Tahu's own protobuf decoding, by the type
// the birth gave.
const typesByAlias = {};
const fieldOfType = {
  Int8: 'intValue', Int16: 'intValue', Int32: 'intValue', UInt8: 'intValue', UInt16: 'intValue',
  UInt32: 'longValue', Int64: 'longValue', UInt64: 'longValue', DateTime: 'longValue',
  Float: 'floatValue', Double: 'doubleValue', Boolean: 'booleanValue', String: 'stringValue',
  Text: 'stringValue',
};

function typedByBirth(payload, bytes) {
  const raw = wire.decode(bytes);
  payload.metrics = (payload.metrics || []).map((metric, i) => {
    const alias = metric.alias === undefined ? undefined : metric.alias.toString();
    if (raw.metrics[i].datatype) {
      if (alias !== undefined) {
        typesByAlias[alias] = metric.type;
      }
      return metric;
    }
    const type = typesByAlias[alias];
    if (type === undefined || metric.value !== null && metric.value !== undefined) {
      return metric;
    }
    const value = raw.metrics[i][fieldOfType[type]];
    return {...metric, type, value: type.startsWith('Int') && type !== 'Int64' ? value | 0 : value};
  });
  return payload;
}

function decode() {
  const lines = readline.createInterface({input: process.stdin});
  lines.on('line', (line) => {
    const [name, hex] = line.trim().split(/\s+/);
    try {
      const bytes = Buffer.from(hex || '', 'hex');
      const payload = typedByBirth(sparkplug.decodePayload(bytes), bytes);
      console.log(`${name} ${JSON.stringify(plain(payload))}`);
    } catch (error) {
      console.log(`${name} ${JSON.stringify({error: String(error)})}`);
    }
  });
}

function encode() {
  const now = 1795633200123;
  const samples = {
    ncmd_rebirth: {timestamp: now,
                   metrics: [{name: 'Node Control/Rebirth', type: 'Boolean', value: true}]},
    dcmd_writes: {timestamp: now, metrics: [
      {alias: 1, type: 'Int16', value: -7},
      {name: 'flow_temp', type: 'Float', value: 21.5},
      {name: 'serial', type: 'String', value: 'hi'},
      {name: 'hours', type: 'UInt64', value: Long.fromString('18446744073709551615', true)},
      {name: 'pump', type: 'Boolean', value: false},
    ]},
  };
  for (const [name, payload] of Object.entries(samples)) {
    console.log(`${name} ${Buffer.from(sparkplug.encodePayload(payload)).toString('hex')}`);
  }
}

function encodeEach() {
  const lines = readline.createInterface({input: process.stdin});
  lines.on('line', (line) => {
    const at = line.indexOf(' ');
    const payload = JSON.parse(line.slice(at + 1));
    console.log(`${line.slice(0, at)} ${Buffer.from(sparkplug.encodePayload(payload)).toString('hex')}`);
  });
}

if (process.argv[2] === 'decode') {
  decode();
} else if (process.argv[2] === 'encode') {
  encode();
} else if (process.argv[2] === 'encode-each') {
  encodeEach();
} else {
  console.error('usage: node tahu.js decode|encode|encode-each');
  process.exit(2);
}
