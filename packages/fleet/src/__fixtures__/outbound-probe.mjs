// Tries each outbound path once (with the trap preloaded): air-gap.test.ts checks the trap records them all,
// so a trap that silently stopped working would fail that test instead of passing the fleet run.
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';

const settle = (socket) =>
  new Promise((resolve) => {
    socket.once('error', resolve);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
await settle(net.connect(443, '192.0.2.10'));
await settle(new net.Socket().connect({ host: '198.51.100.7', port: 80 }));
await settle(tls.connect({ host: '203.0.113.5', port: 443 }));
await new Promise((resolve) => dns.lookup('example.invalid', () => resolve()));
await fetch('https://api.anthropic.com/v1/messages').catch(() => {});
// Loopback stays allowed (nothing listens on port 9; the refusal comes from the kernel, not the trap).
await settle(net.connect(9, '127.0.0.1'));
