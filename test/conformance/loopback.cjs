// Preloaded into the suite's reference subgraphs (users, inventory): they listen on every interface, and
// servers here bind loopback only.
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (options, ...rest) {
  if (options && typeof options === 'object' && options.host === undefined) options = { ...options, host: '127.0.0.1' };
  return listen.call(this, options, ...rest);
};
