// Every call is authorized (authorize.ts) as its headers arrive, before its request is read.
// A handler sees its request only once grpc-js has taken in the whole message, up to
// MAX_MESSAGE_BYTES (16 MiB): had the handlers checked the certificate, a peer whose
// certificate --allow does not name could make the agent hold 16 MiB on each of its streams
// before being refused. Here a refused call is answered at once, and its handler never asks
// for the request: what the peer still sends on that stream, grpc-js reads and throws away
// as it comes, never holding a message.
import { ServerInterceptingCall, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';
import { authorizeCall, type AuthorizationPolicy } from './authorize';
import type { CallError } from './call-errors';
import type { CallerInfo } from './caller';

/** Called with each refusal: the method as the audit trail names it (`hello`, `apply`, …), who, why. */
export type RefusalLog = (method: string, call: CallerInfo, error: CallError) => void;

/** `/lvsctl.v1.Agent/Apply` → `apply` */
export function methodName(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.charAt(0).toLowerCase() + last.slice(1);
}

export function refuseBeforeReading(policy: AuthorizationPolicy, logRefusal: RefusalLog): ServerInterceptor {
  return (method, call: ServerInterceptingCallInterface) => {
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) => next({
        onReceiveMetadata: (metadata, passOn) => {
          const refused = authorizeCall(policy, call);
          if (refused === undefined) return passOn(metadata);
          logRefusal(methodName(method.path), call, refused);
          // the handler never hears of the call, so it never asks for the request
          intercepted.sendStatus({ code: refused.code, details: refused.details });
        },
      }),
    });
    return intercepted;
  };
}
