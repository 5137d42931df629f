import { useMemo, useRef, useState } from 'react';
import { useApi } from '../api/api-context.js';
import type { Validation } from '../api/client.js';
import type { JsonSchema } from '../lib/schema-lookup.js';
import { schemaExtensions } from './schema-extensions.js';

/**
 * The editor's schema awareness for the config of `mac`: the extensions to give the editor, the latest validation
 * result (null until the first, and while the text is not JSON), and the schema that applies, loaded when it changes.
 */
export function useSchemaEditor(mac: string) {
  const api = useApi();
  const [result, setResult] = useState<Validation | null>(null);
  const [schema, setSchema] = useState<{ name: string; schema: JsonSchema } | null>(null);
  const current = useRef<{ name: string; schema: JsonSchema } | null>(null);
  const loading = useRef<string | null>(null);

  const extensions = useMemo(() => {
    const load = (name: string | null) => {
      if (name === null) {
        current.current = null;
        setSchema(null);
        return;
      }
      if (current.current?.name === name || loading.current === name) return;
      loading.current = name;
      api
        .getSchema(name)
        .then((loaded) => {
          current.current = { name, schema: loaded.body.schema };
          setSchema(current.current);
        })
        .catch(() => undefined)
        .finally(() => {
          if (loading.current === name) loading.current = null;
        });
    };
    return schemaExtensions({
      validate: (text) => api.validateConfig(mac, text),
      onResult: (next) => {
        setResult(next);
        if (next !== null) load(next.schema);
      },
      getSchema: () => current.current?.schema ?? null,
    });
  }, [api, mac]);

  return { result, schema, extensions };
}
