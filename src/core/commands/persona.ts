/** `/persona …` */
import type { CommandContext, Executor } from './context';
import { firstLine, formatTime, sourceLabel, who } from './describe';
import { reply } from './reply';
import type { PersonaCommand } from './types';

async function show(ctx: CommandContext) {
  const { persona } = await ctx.profiles.resolve(ctx.scope);
  const version = persona.version ? ` v${persona.version}` : '';
  return reply(`Persona${version} (${sourceLabel(persona.source)}):\n${persona.value}`);
}

export const executePersona: Executor<PersonaCommand> = async (command, ctx) => {
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
