/** Wording shared by the command executors. */
import type { ValueSource } from '../types';

export function sourceLabel(source: ValueSource): string {
  switch (source) {
    case 'channel':
      return 'set in this channel';
    case 'workspace':
      return 'inherited from the workspace';
    case 'config':
      return 'the default from config';
  }
}

export function firstLine(text: string, max = 80): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function formatTime(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export function who(user: { id: string; name?: string }): string {
  return user.name ?? user.id;
}
