// Loaded into the server with --import when the suite cannot mount a small
// tmpfs (not root): while the file named by RELIABILITY_ENOSPC_FLAG exists,
// every write through a file handle fails with ENOSPC, as on a full disk.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';

const flag = process.env.RELIABILITY_ENOSPC_FLAG;
if (flag) {
  const open = fs.open;
  fs.open = async (...args) => {
    const handle = await open(...args);
    const writeFile = handle.writeFile.bind(handle);
    handle.writeFile = async (...writeArgs) => {
      if (existsSync(flag)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      return writeFile(...writeArgs);
    };
    return handle;
  };
}
