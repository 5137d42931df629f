import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, tempDir } from './app.js';

export interface SigningKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh 2048-bit RSA key pair. */
export function makeSigningKeys(): SigningKeys {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/** The key pair as PEM files in a temp directory: the private key (PKCS#8, as `openssl genpkey` writes it) and its public half. */
export async function writeKeyFiles(keys: SigningKeys): Promise<{ privatePem: string; publicPem: string }> {
  const dir = await tempDir('iot-keys-');
  const privatePem = path.join(dir, 'signing-key.pem');
  const publicPem = path.join(dir, 'signing-key.pub.pem');
  await fs.writeFile(privatePem, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await fs.writeFile(publicPem, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  return { privatePem, publicPem };
}

export const sha256Hex = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** The base64 RSA PKCS#1 v1.5 SHA-256 signature of `text`, as a device or CI script makes it. */
export const signText = (key: KeyObject, text: string) => sign('sha256', Buffer.from(text, 'utf8'), key).toString('base64');

export interface Part {
  name: string;
  value: string | Buffer;
  /** Set for a file part. */
  filename?: string;
}

/** A multipart/form-data body with the parts in the order given. */
export function multipartBody(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----asset-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename.replaceAll('"', '%22')}"`}`;
    const type = part.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export interface UploadOptions {
  filename?: string;
  content?: Buffer;
  timestamp?: string;
  /** The signature to send; by default the right one for the timestamp (and name and hash, with `withSha`). */
  signature?: string;
  /** Send file_sha256 (the content's hash unless a value is given) and sign the stronger form. */
  withSha?: boolean | string;
  /** Send the file before the other fields. */
  fileFirst?: boolean;
  /** Leave these fields out. */
  omit?: string[];
  headers?: Record<string, string>;
}

/** The form fields of a signed upload, signed with `key`. */
export function signedUpload(key: KeyObject, options: UploadOptions = {}): Part[] {
  const filename = options.filename ?? 'firmware.bin';
  const content = options.content ?? Buffer.from('firmware bytes \u0000\u0001\u00ff');
  const timestamp = options.timestamp ?? new Date().toISOString();
  const sha = options.withSha === undefined || options.withSha === false ? undefined : options.withSha === true ? sha256Hex(content) : options.withSha;
  const signature = options.signature ?? signText(key, sha === undefined ? timestamp : `${timestamp}\n${filename}\n${sha}`);
  const fields: Part[] = [
    { name: 'timestamp', value: timestamp },
    { name: 'signature', value: signature },
    ...(sha === undefined ? [] : [{ name: 'file_sha256', value: sha }]),
  ];
  const file: Part = { name: 'file', value: content, filename };
  const parts = options.fileFirst ? [file, ...fields] : [...fields, file];
  return parts.filter((part) => !(options.omit ?? []).includes(part.name));
}

export function upload(app: FastifyInstance, parts: Part[], headers: Record<string, string> = {}) {
  const body = multipartBody(parts);
  return app.inject({ method: 'POST', url: '/api/assets', payload: body.payload, headers: { ...body.headers, ...headers } });
}

/** The app with a signing key and an assets directory of its own (or those in `env`). */
export async function buildAssetApp(keys: SigningKeys, env: Record<string, string> = {}) {
  const assetsDir = env.ASSETS_DIR ?? (await tempDir('iot-assets-'));
  const { privatePem } = await writeKeyFiles(keys);
  const built = await buildTestApp({ SIGNING_KEY_PATH: privatePem, ...env, ASSETS_DIR: assetsDir });
  return { ...built, assetsDir };
}

/** Every entry of the assets directory, hidden ones (temp files) included. */
export const entries = (dir: string) => fs.readdir(dir).catch(() => [] as string[]);
