import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, AssetTooLarge, UploadRefused, UploadsDisabled } from '../../domain/errors.js';
import { assetNameProblem, verifyUpload, type UploadFields } from '../../domain/upload-signature.js';
import type { AssetSettings } from '../../settings.js';
import type { AssetFiles, ReceivedAsset } from '../../storage/asset-files.js';
import type { UsedSignatures } from '../../storage/used-signatures.js';

/** Room for the form's other fields and part headers around the file, in a declared Content-Length. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
const FIELD_NAMES = new Set<string>(['timestamp', 'signature', 'file_sha256']);

export interface UploadDependencies {
  settings: AssetSettings;
  files: AssetFiles;
  usedSignatures: UsedSignatures;
  /** Queues an MQTT message; nothing when MQTT is off. */
  announce(filename: string): void;
  /** Counts a refused upload by reason. */
  refused(reason: string): void;
}

/**
 * `POST /api/assets`: reads the multipart form part by part, the file streamed to a temp file. When the timestamp,
 * signature and file_sha256 all come before the file, they are checked before a byte of it is written; the whole
 * form is checked again once read, since a file_sha256 after the file changes what the signature must cover. The signature is claimed (so never accepted twice) only after every check passed, just before the file
 * is renamed into place.
 */
export function assetUploadHandler(deps: UploadDependencies) {
  const { settings, files, usedSignatures } = deps;
  const policy = () => {
    if (settings.verificationKey === null) throw new UploadsDisabled();
    return { key: settings.verificationKey, toleranceSeconds: settings.timestampToleranceSeconds, requireFileSignature: settings.requireFileSignature, now: Date.now() };
  };

  async function readForm(request: FastifyRequest) {
    const fields: UploadFields = {};
    let filename: string | null = null;
    let received: ReceivedAsset | null = null;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          const value = part as MultipartValue;
          if (FIELD_NAMES.has(value.fieldname)) fields[value.fieldname as keyof UploadFields] ??= String(value.value);
          continue;
        }
        const file = part as MultipartFile;
        if (file.fieldname !== 'file' || received !== null) throw new UploadRefused('file', file.fieldname, `Unexpected file field '${file.fieldname}': send one file, as the field 'file'`);
        filename = file.filename;
        const problem = assetNameProblem(filename);
        if (problem !== null) throw new UploadRefused('filename', 'file', `Invalid filename: ${problem}`);
        // Without file_sha256 yet, the verdict is not final: it may still arrive after the file.
        if (fields.timestamp !== undefined && fields.signature !== undefined && fields.file_sha256 !== undefined) verifyUpload(fields, filename, policy());
        received = await files.receive(filename, file.file);
      }
    } catch (error) {
      await received?.discard();
      throw error;
    }
    return { fields, filename, received };
  }

  return async function uploadAsset(request: FastifyRequest, reply: FastifyReply) {
    let received: ReceivedAsset | null = null;
    try {
      policy();
      if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the upload as multipart/form-data with the fields file, timestamp and signature');
      if (Number(request.headers['content-length']) > settings.maxBytes + FORM_OVERHEAD_BYTES) throw new AssetTooLarge(settings.maxBytes);
      const form = await readForm(request);
      received = form.received;
      if (received === null || form.filename === null) throw new UploadRefused('file', 'file', "Missing required field 'file'");
      const verified = verifyUpload(form.fields, form.filename, policy());
      if (verified.sha256 !== null && verified.sha256 !== received.sha256) {
        throw new UploadRefused('file_sha256', 'file_sha256', `The file that arrived has SHA-256 ${received.sha256}, not the file_sha256 signed; nothing was written`);
      }
      if (!(await usedSignatures.claim(verified.signature))) {
        throw new UploadRefused('replayed', 'signature', 'Invalid signature: already used for an upload; sign each upload afresh');
      }
      const asset = await received.place();
      received = null;
      request.log.info({ filename: asset.filename, size: asset.size, sha256: asset.sha256 }, 'Asset uploaded');
      deps.announce(asset.filename);
      return reply.send({ filename: asset.filename, size: asset.size, uploaded_at: asset.uploaded_at });
    } catch (error) {
      await received?.discard();
      if (error instanceof UploadRefused) deps.refused(error.reason);
      else if (error instanceof AssetTooLarge) deps.refused('too_large');
      throw error;
    }
  };
}
