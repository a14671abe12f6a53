/**
 * Types for the `radius` package 1.1.4 (lib/radius.js), a CommonJS module. @types/radius 0.0.33 types
 * attributes as `any` and lacks `authenticator`, `InvalidSecretError` and `calculate_packet_checksum`, which we use.
 */
declare module 'radius' {
  namespace radius {
    /** [name or numeric id, value]; a Buffer value is written as is (octets, or an attribute the dictionaries lack). */
    type RadiusAttribute = [type: string | number, value: string | number | Buffer];

    interface RadiusPacket {
      /** "Access-Request", "Access-Accept", "Access-Reject", "Access-Challenge", … */
      code: string;
      identifier: number;
      length: number;
      authenticator: Buffer;
      /**
       * By dictionary name: string/text → string, integer → number (or its VALUE name), octets → Buffer,
       * User-Password → the decrypted string; a repeated attribute becomes an array.
       */
      attributes: Record<string, unknown>;
      raw_attributes: Array<[type: number, value: Buffer]>;
    }

    interface EncodeArgs {
      code: string;
      secret: string;
      /** default: Math.random() */
      identifier?: number;
      /** not in the README but read by encode (encode_response passes the request's); default crypto.randomBytes(16) for requests */
      authenticator?: Buffer;
      /** encode appends Message-Authenticator to this array when it adds one */
      attributes?: RadiusAttribute[];
      add_message_authenticator?: boolean;
    }

    interface EncodeResponseArgs {
      /** the decoded request: Proxy-State is copied, Message-Authenticator added when the request had one */
      packet: RadiusPacket;
      code: string;
      secret: string;
      attributes?: RadiusAttribute[];
    }

    interface InvalidSecretError extends Error {
      /** the request as decoded, although its Request Authenticator or Message-Authenticator did not verify */
      decoded: RadiusPacket;
    }

    interface Radius {
      /** throws on a malformed packet; throws InvalidSecretError for a request whose authenticator or Message-Authenticator does not verify */
      decode(args: { packet: Buffer; secret: string }): RadiusPacket;
      decode_without_secret(args: { packet: Buffer }): RadiusPacket;
      encode(args: EncodeArgs): Buffer;
      encode_response(args: EncodeResponseArgs): Buffer;
      /**
       * false when the Response Authenticator, or the Message-Authenticator that a request with one requires,
       * does not verify; throws on a malformed response. Compares digests as UTF-8 strings (lossy).
       */
      verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean;
      /** MD5(packet ‖ secret): the Response Authenticator of RFC 2865 §3 when packet carries the Request Authenticator */
      calculate_packet_checksum(packet: Buffer, secret: string): Buffer;
      InvalidSecretError: new (message: string, decoded: RadiusPacket) => InvalidSecretError;
    }
  }

  const radius: radius.Radius;
  export = radius;
}
