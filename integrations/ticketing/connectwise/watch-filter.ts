import type { ConnectWiseConfig, TypeRef } from './config.js';
import type { Ticket } from './schemas.js';

type Watch = Pick<ConnectWiseConfig, 'boardId' | 'watchType' | 'watchSubtype'>;

/** The `conditions` that find the watched tickets: the board, and the type / subtype by id or by name (quoted). */
export function watchConditions(w: Watch): string {
  return [`board/id=${w.boardId}`, ...(w.watchType ? [refCondition('type', w.watchType)] : []), ...(w.watchSubtype ? [refCondition('subType', w.watchSubtype)] : [])].join(' and ');
}

/** Whether a ticket is the bot's: on the watched board, of the watch type and subtype when they are set. */
export function isWatched(w: Watch, t: Pick<Ticket, 'board' | 'type' | 'subType'>): boolean {
  return t.board.id === w.boardId && (w.watchType === undefined || refMatches(w.watchType, t.type)) && (w.watchSubtype === undefined || refMatches(w.watchSubtype, t.subType));
}

function refCondition(field: 'type' | 'subType', ref: TypeRef): string {
  return 'id' in ref ? `${field}/id=${ref.id}` : `${field}/name="${ref.name}"`;
}

function refMatches(ref: TypeRef, value: { id: number; name: string } | null | undefined): boolean {
  if (!value) return false;
  return 'id' in ref ? value.id === ref.id : value.name.trim().toLowerCase() === ref.name.toLowerCase();
}
