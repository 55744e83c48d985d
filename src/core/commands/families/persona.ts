/** `/persona …`: the channel's system prompt, its versions and the workspace library. */
import type { CommandContext, Executor } from '../context';
import { firstLine, formatTime, sourceLabel, who } from '../describe';
import { bareToken, fail, plainRow, positiveInt, quote, tooLarge, wordsOf } from '../parse';
import { reply } from '../reply';
import type { Args, CommandFamilySpec } from '../spec';
import type { PersonaCommand } from '../types';

/** Persona names: letters (any script), combining marks, digits, `-`, `_`, `.`. */
const PERSONA_NAME = /^[\p{L}\p{M}\p{N}._-]+$/u;

async function show(ctx: CommandContext) {
  const { persona } = await ctx.profiles.resolve(ctx.scope);
  const version = persona.version ? ` v${persona.version}` : '';
  return reply(`Persona${version} (${sourceLabel(persona.source)}):\n${persona.value}`);
}

const execute: Executor<PersonaCommand> = async (command, ctx) => {
  switch (command.action) {
    case 'show':
      return show(ctx);
    case 'set': {
      const version = await ctx.profiles.setPersona(ctx.scope, ctx.user, command.text);
      return reply(`Persona set (v${version}).`, { announce: `${who(ctx.user)} changed this channel's persona (now v${version}).` });
    }
    case 'edit': {
      const { persona } = await ctx.profiles.resolve(ctx.scope);
      return reply('Opening the persona editor.', { form: { kind: 'persona-edit', initial: persona.value } });
    }
    case 'reset': {
      const dropped = await ctx.profiles.resetPersona(ctx.scope, ctx.user);
      if (!dropped) return reply('This channel has no persona of its own; it already inherits one.');
      const { persona } = await ctx.profiles.resolve(ctx.scope);
      return reply(`Persona reset; this channel now uses the persona ${sourceLabel(persona.source)}.`, {
        announce: `${who(ctx.user)} reset this channel's persona to the inherited one.`,
      });
    }
    case 'history': {
      const [history, { persona }] = await Promise.all([ctx.profiles.personaHistory(ctx.scope), ctx.profiles.resolve(ctx.scope)]);
      if (history.length === 0) return reply(`This channel has no persona versions yet; it uses the persona ${sourceLabel(persona.source)}.`);
      const current = persona.source === 'channel' ? persona.version : undefined;
      const lines = history
        .slice()
        .reverse()
        .map((v) => {
          const marks = [v.version === current ? 'current' : '', v.note ?? ''].filter(Boolean).join(', ');
          return `v${v.version} — ${v.author} — ${formatTime(v.at)} — ${firstLine(v.text)}${marks ? ` (${marks})` : ''}`;
        });
      return reply(`Persona versions, newest first:\n${lines.join('\n')}`);
    }
    case 'rollback': {
      const version = await ctx.profiles.rollbackPersona(ctx.scope, ctx.user, command.version);
      return reply(`Rolled back to v${command.version}; it is now current as v${version}.`, {
        announce: `${who(ctx.user)} rolled this channel's persona back to v${command.version} (now v${version}).`,
      });
    }
    case 'save': {
      const saved = await ctx.profiles.savePersona(ctx.scope, ctx.user, command.name);
      return reply(`Saved the current persona as "${saved.name}" in the workspace library.`);
    }
    case 'use': {
      const used = await ctx.profiles.usePersona(ctx.scope, ctx.user, command.name);
      return reply(`This channel now uses the ${used.from} persona "${command.name}" (v${used.version}).`, {
        announce: `${who(ctx.user)} changed this channel's persona to "${command.name}" (now v${used.version}).`,
      });
    }
    case 'list': {
      const { saved, presets } = await ctx.profiles.listPersonas(ctx.scope);
      const lines: string[] = [];
      lines.push(saved.length ? 'Saved personas:' : 'No saved personas yet; save one with /persona save <name>.');
      for (const p of saved) lines.push(`• ${p.name} — ${firstLine(p.text)} (saved by ${p.savedBy}, ${formatTime(p.savedAt)})`);
      if (presets.length) {
        lines.push('Presets:');
        for (const p of presets) lines.push(`• ${p.name} — ${firstLine(p.text)}`);
      }
      return reply(lines.join('\n'));
    }
  }
};

const family = 'persona';

function personaVersion(args: Args): number {
  const usage = '/persona rollback <version>, with a version number from /persona history';
  const words = wordsOf(args.rest);
  const [word] = words;
  if (word === undefined) fail('Say which version to roll back to', usage);
  if (words.length > 1) fail(`Roll back to one version at a time, not ${quote(args.rest)}`, usage);
  const version = positiveInt(word.replace(/^v/i, ''));
  if (version === undefined) fail(`${quote(word)} is not a version number such as 3 or v3`, usage);
  return version;
}

function personaName(args: Args, verb: 'save' | 'use'): string {
  const usage = `/persona ${verb} <name>, where the name is made of letters, digits, dots, dashes and underscores`;
  const words = wordsOf(args.rest);
  const [word] = words;
  if (word === undefined) {
    fail(verb === 'save' ? 'Give the persona a name to save it under' : 'Say which saved persona to use (see /persona list)', usage);
  }
  if (words.length > 1) fail(`A persona name is one word, so ${quote(args.rest)} will not do (try dashes instead of spaces)`, usage);
  // NFC, so a name typed with a precomposed é and one typed with e + combining accent are the same name.
  const name = bareToken(word).normalize('NFC');
  if (name.length > args.limits.personaNameChars) throw tooLarge('persona name', name.length, args.limits.personaNameChars);
  if (!PERSONA_NAME.test(name)) fail(`${quote(name)} is not a valid persona name`, usage);
  return name;
}

const NAME = { name: 'name', type: 'string', required: true, description: 'a persona name: letters, digits, dots, dashes, underscores' } as const;

export const personaFamily: CommandFamilySpec<PersonaCommand> = {
  name: family,
  summary: "Show or change this channel's persona",
  subcommands: {
    show: plainRow(family, 'show', { description: 'the effective persona, its version and where it comes from', admin: false, bare: true }),
    set: {
      keywords: ['set'],
      syntax: '/persona set <text>',
      description: "replace this channel's persona (the text may span lines)",
      admin: true,
      options: [{ name: 'text', type: 'string', required: true, description: 'the new persona' }],
      examples: ['set You are a pirate.'],
      parse: (args) => {
        if (args.rest === '') fail('Write the new persona after set', '/persona set <text>, where the text may span several lines');
        if (args.rest.length > args.limits.personaChars) throw tooLarge('persona', args.rest.length, args.limits.personaChars);
        return { family, action: 'set', text: args.rest };
      },
    },
    edit: plainRow(family, 'edit', { description: 'open a form with the current persona', admin: true }),
    reset: plainRow(family, 'reset', { description: "drop this channel's persona and inherit again", admin: true }),
    history: plainRow(family, 'history', { description: 'every version: number, author, time, first line', admin: false }),
    rollback: {
      keywords: ['rollback'],
      syntax: '/persona rollback <version>',
      description: 'go back to a version from /persona history',
      admin: true,
      options: [{ name: 'version', type: 'integer', required: true, description: 'a version number from /persona history' }],
      examples: ['rollback 1'],
      parse: (args) => ({ family, action: 'rollback', version: personaVersion(args) }),
    },
    save: {
      keywords: ['save'],
      syntax: '/persona save <name>',
      description: 'keep the current persona in the workspace library',
      admin: true,
      options: [NAME],
      examples: ['save pirate'],
      parse: (args) => ({ family, action: 'save', name: personaName(args, 'save') }),
    },
    use: {
      keywords: ['use'],
      syntax: '/persona use <name>',
      description: 'apply a saved persona to this channel',
      admin: true,
      options: [NAME],
      examples: ['use pirate'],
      parse: (args) => ({ family, action: 'use', name: personaName(args, 'use') }),
    },
    list: plainRow(family, 'list', { description: 'the saved personas', admin: false }),
  },
  execute,
};
