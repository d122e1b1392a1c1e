import { describe, expect, it } from 'vitest';
import { describeListenError } from '../../dist/daemon/listen-error.js';
import { describeReadError } from '../../dist/daemon/read-error.js';

/** An error as Node's net and fs modules make them: a code and a message naming it. */
function osError(code: string, message = `${code}: something`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('describeListenError', () => {
  it('names each common failure in plain words, keeping the code that runbooks search for', () => {
    expect(describeListenError(osError('ENOTFOUND', 'getaddrinfo ENOTFOUND gateway.invalid'), 'gateway.invalid:8080', 8080)).toBe('cannot listen on gateway.invalid:8080: host not found (ENOTFOUND)');
    expect(describeListenError(osError('EADDRINUSE'), '127.0.0.1:8080', 8080)).toBe('cannot listen on 127.0.0.1:8080: address already in use (EADDRINUSE)');
  });

  it('permission denied says why only for a port below 1024', () => {
    // Not run for real: the tests may run as root, which may listen on 80.
    expect(describeListenError(osError('EACCES'), '0.0.0.0:80', 80)).toBe('cannot listen on 0.0.0.0:80: permission denied, ports below 1024 need privileges (EACCES)');
    expect(describeListenError(osError('EACCES'), '0.0.0.0:8080', 8080)).toBe('cannot listen on 0.0.0.0:8080: permission denied (EACCES)');
  });

  it('an unknown code keeps Node\'s message, which already names it', () => {
    expect(describeListenError(osError('EWHATEVER', 'listen EWHATEVER: odd'), '127.0.0.1:8080', 8080)).toBe('cannot listen on 127.0.0.1:8080: listen EWHATEVER: odd');
  });
});

describe('describeReadError', () => {
  it('names each common failure in plain words', () => {
    expect(describeReadError(osError('ENOTDIR'), '/etc/passwd/mcpgw.yaml')).toBe('cannot read config /etc/passwd/mcpgw.yaml: a part of the path is not a directory');
    expect(describeReadError(osError('ELOOP'), 'loop.yaml')).toBe('cannot read config loop.yaml: too many symbolic links (a loop?)');
    expect(describeReadError(osError('EPERM'), 'mcpgw.yaml')).toBe('cannot read config mcpgw.yaml: permission denied');
  });
});
