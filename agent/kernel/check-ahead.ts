// A rollout says hello to every agent before it applies anything, and its realservers verify
// before any director is sent its plan. A director told in that hello that an apply follows
// checks its table against the kernel's listing at once (the door's checkAhead, inside the
// writer's exclusive task), so the apply's own read need not read the listing again
// (confirmed-ipvs.ts). At most one check waits for its turn: a burst of hellos queues no more.
import type { CheckAhead } from './ipvs';
import type { IpvsWriter } from './ipvs-writer';

/** What a hello that announces an apply calls: never throws; a failed check goes to `onError` (the apply then reads for itself). */
export function checkAheadOnAnnouncement(writer: IpvsWriter, door: CheckAhead, onError: (error: unknown) => void): () => void {
  let waiting = false;
  return () => {
    door.announceApply();
    // a check that has not begun yet begins after this announcement: it is the one this asks for
    if (waiting) return;
    waiting = true;
    writer.exclusive(async () => {
      waiting = false;
      await door.checkAhead();
    }).catch(onError);
  };
}
