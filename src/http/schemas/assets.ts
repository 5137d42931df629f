import { Type } from 'typebox';

export const AssetSchema = Type.Object(
  {
    filename: Type.String({ description: 'The file name, as uploaded', examples: ['firmware.bin'] }),
    size: Type.Integer({ description: 'Size in bytes', examples: [1048576] }),
    uploaded_at: Type.String({ description: 'When the file was stored (its modification time), ISO 8601 in UTC', examples: ['2026-01-09T14:30:05.123Z'] }),
    sha256: Type.String({ description: 'SHA-256 of the file, lowercase hex' }),
  },
  { title: 'Asset', description: 'A stored firmware or OTA file' },
);

export const AssetListResponseSchema = Type.Object(
  { assets: Type.Array(AssetSchema, { description: 'Every asset, by file name' }) },
  { title: 'AssetListResponse' },
);

export const AssetUploadResponseSchema = Type.Object(
  {
    filename: Type.String({ description: 'Name of the stored file', examples: ['firmware.bin'] }),
    size: Type.Integer({ description: 'File size in bytes', examples: [1048576] }),
    uploaded_at: Type.String({ description: 'When the file was stored, ISO 8601 in UTC', examples: ['2026-01-09T14:30:05.123Z'] }),
  },
  { title: 'AssetUploadResponse', description: 'The stored upload, as the old backend answered it' },
);

export const AssetParamsSchema = Type.Object(
  { filename: Type.String({ description: 'The asset\'s file name', maxLength: 255 }) },
  { title: 'AssetParams' },
);

const text = (description: string) => ({ type: 'string', description });

/** The multipart form of an upload, for the OpenAPI document only: the form is read as a stream, field by field. */
export const AssetUploadFormSchema = {
  title: 'AssetUploadForm',
  type: 'object',
  required: ['file', 'timestamp', 'signature'],
  properties: {
    file: { type: 'string', format: 'binary', description: 'The file; its name is the part\'s filename' },
    timestamp: text('ISO 8601 time of signing, within TIMESTAMP_TOLERANCE_SECONDS of the server\'s clock (UTC when it names no zone)'),
    signature: text('Base64 RSA PKCS#1 v1.5 SHA-256 signature of the timestamp, or, with file_sha256, of timestamp + "\\n" + filename + "\\n" + file_sha256'),
    file_sha256: text('Optional (required with ASSET_REQUIRE_FILE_SIGNATURE): SHA-256 of the file as 64 hex digits'),
  },
} as const;
