/**
 * Slack's markup in slash-command text → the plain text the user meant, before the core parses it.
 * Slack escapes `&`, `<` and `>` as entities and sends links, users and channels wrapped in angle
 * brackets (https://docs.slack.dev/messaging/formatting-message-text). The core's grammar knows none
 * of this, so every platform hands it the same plain text.
 */

/** `<…>` spans (links, `@user`, `#channel`, `!special` mentions; the label follows a `|`) and entities. */
const MARKUP = /<([^<>|]*)(?:\|([^<>]*))?>|&(lt|gt|amp);/g;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&' };

/** One pass, so that a typed `&lt;b&gt;` stays text and a typed `&amp;amp;` stays `&amp;`. */
export function slackToPlainText(text: string): string {
  return text.replace(MARKUP, (match, target: string | undefined, label: string | undefined, entity: string | undefined) =>
    entity !== undefined ? (ENTITIES[entity] ?? match) : (readable(target ?? '', label) ?? match),
  );
}

function readable(target: string, label: string | undefined): string | undefined {
  const shown = label === undefined || label.trim() === '' ? undefined : label;
  if (target.startsWith('@')) return `@${shown ?? target.slice(1)}`;
  if (target.startsWith('#')) return `#${shown ?? target.slice(1)}`;
  // `<!here>`, `<!channel>`, `<!subteam^S1|@team>`, `<!date^…|fallback>`: the label, or the name.
  if (target.startsWith('!')) return shown ?? `@${target.slice(1).split('^')[0] ?? ''}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return link(target, shown);
  return undefined;
}

/**
 * A web link: its address when the label only shows the address (Slack labels an auto-linked
 * `example.com/a` with what was typed, perhaps shortened), else "label (address)" so neither is
 * lost. Other schemes (`mailto:`) read best as their label.
 */
function link(rawUrl: string, label: string | undefined): string {
  const url = unescapeEntities(rawUrl);
  if (label === undefined) return url;
  const shown = unescapeEntities(label);
  const web = /^https?:\/\//i.exec(url);
  if (!web) return shown;
  const typed = shown.replace(/(…|\.\.\.)$/, '').toLowerCase();
  const showsAddress = typed !== '' && [url, url.slice(web[0].length)].some((form) => form.toLowerCase().startsWith(typed));
  return showsAddress ? url : `${shown} (${url})`;
}

/** Inside a link's address and label (already split out of the text, so decoded once). */
function unescapeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp);/g, (match, entity: string) => ENTITIES[entity] ?? match);
}
