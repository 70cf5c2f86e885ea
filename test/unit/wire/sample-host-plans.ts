// Host plans as the controller compiles them: the seed's fwmark + FTP director, and a DR realserver.
import type { DirectorPlan, RealserverPlan } from '../../../lvs/host-plan';

export function directorPlan(generation = 7): DirectorPlan {
  return {
    role: 'director',
    cluster: 'shop',
    host: 'lvs1',
    generation,
    services: [
      {
        name: 'all-ports',
        service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 0 }, scheduler: 'rr', flags: [], persistence: { timeout: 360 } },
        realservers: [
          { host: 'web1', destination: { address: '10.0.0.11', port: 0, weight: 1, forwarding: 'dr' } },
          { host: 'web2', destination: { address: '10.0.0.12', port: 0, weight: 2, forwarding: 'dr' } },
        ],
      },
      {
        name: 'shop',
        service: {
          key: { kind: 'fwmark', mark: 1, family: 'inet' },
          scheduler: 'sh',
          flags: ['sh-port'],
          persistence: { timeout: 360, netmask: '255.255.255.0' },
        },
        realservers: [{ host: 'web1', destination: { address: '10.0.0.11', port: 0, weight: 1, forwarding: 'dr' } }],
        healthCheck: { type: 'http', port: 80, path: '/health', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 3, rise: 2 },
      },
      {
        name: 'dns-v6',
        service: { key: { kind: 'udp', vip: '2001:db8::53', port: 53 }, scheduler: 'wlc', flags: [] },
        realservers: [{ host: 'ns1', destination: { address: '2001:db8::11', port: 5353, weight: 0, forwarding: 'nat' } }],
      },
    ],
    marks: [
      { mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'], inInterface: 'eth0' },
      { mark: 2, protocol: 'tcp', destination: '10.0.0.100', ports: ['21', '10000:12000'] },
    ],
  };
}

export function realserverPlan(generation = 7): RealserverPlan {
  return {
    role: 'realserver',
    cluster: 'shop',
    host: 'web1',
    generation,
    address: '10.0.0.11',
    prepare: true,
    duties: [
      { service: 'shop', forwarding: 'dr', vips: ['10.0.0.100'], directors: ['10.0.0.1'] },
      { service: 'ftp', forwarding: 'dr', vips: ['10.0.0.100'], directors: ['10.0.0.1'], ftpPassivePorts: '10000:12000' },
    ],
    ftp: { server: 'vsftpd', config: '/etc/vsftpd.conf' },
  };
}
