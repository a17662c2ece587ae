import path from 'node:path';
import {
  createSkillRegistry,
  loadSkillsFromDirectory,
  loadSkillsFromPackage,
  type Skill,
} from '@biged/skill-sdk';
import { builtinSkills } from '@biged/skills';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome } from '../context';
import { renderTable } from '../output/table';
import { addSkillsDir } from './add-skills-dir';
import { assertSkillName, scaffoldSkill } from './skill-scaffold';

/** One element of `biged skill list --json` (camelCase, as issue 8 and the skill SDK spell these fields). */
export interface SkillJson {
  name: string;
  description: string;
  roles: string[];
  requiresNetwork: boolean;
  /** `"builtin"`, the absolute folder of a `[skills] dirs` entry, or the `[skills] packages` name. */
  source: string;
}

/**
 * Every skill the fleet would load, with where it came from. Loads exactly what the worker loads
 * (`loadFleetSkills` in @biged/fleet: the built-ins, then `[skills] dirs` relative to the home, then
 * `[skills] packages` resolved from the home) through the same skill-sdk loaders, and checks the names are
 * unique the same way (`createSkillRegistry`), so a fleet that would refuse to start fails here too.
 */
export async function listFleetSkills(options: {
  home: string;
  config: { skills: { dirs: readonly string[]; packages: readonly string[] } };
}): Promise<SkillJson[]> {
  const { home, config } = options;
  const groups: { source: string; skills: readonly Skill[] }[] = [
    { source: 'builtin', skills: builtinSkills as readonly Skill[] },
  ];
  for (const dir of config.skills.dirs) {
    const absolute = path.resolve(home, dir);
    groups.push({ source: absolute, skills: await loadSkillsFromDirectory(absolute) });
  }
  for (const name of config.skills.packages) {
    groups.push({ source: name, skills: await loadSkillsFromPackage(name, { from: home }) });
  }
  createSkillRegistry(groups.flatMap(({ skills }) => skills)); // duplicate names throw, as in the fleet
  // The registry keeps the same skill object once (a folder listed twice); so does the listing.
  const seen = new Set<Skill>();
  return groups
    .flatMap(({ source, skills }) =>
      skills
        .filter((skill) => !seen.has(skill) && seen.add(skill))
        .map((skill) => ({
          name: skill.name,
          description: skill.description,
          roles: [...skill.roles],
          requiresNetwork: skill.requiresNetwork,
          source,
        })),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

const firstLine = (text: string, max = 70) => {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** `biged skill list|new`: the skills the fleet loads, and a scaffold for a new one. */
export function registerSkill(program: Command, session: ProgramSession): void {
  const skill = program.command('skill').description("list the fleet's skills, or scaffold a new one");

  skill
    .command('list')
    .description('list every skill the fleet loads: built-ins, [skills] dirs and packages')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const skills = await listFleetSkills({ home: context.home, config });
      if (context.json) {
        context.printJson(skills);
        return;
      }
      context.print(
        renderTable(
          ['NAME', 'SOURCE', 'NET', 'ROLES', 'DESCRIPTION'],
          skills.map((entry) => [
            entry.name,
            entry.source,
            entry.requiresNetwork ? 'yes' : '-',
            entry.roles.join(',') || '-',
            firstLine(entry.description),
          ]),
        ),
      );
    });

  skill
    .command('new')
    .description('scaffold a skill and its vitest test into <home>/skills/<name>/ (or --dir)')
    .argument('<name>', 'the skill name: lower case letters, digits and "_", starting with a letter')
    .option('--dir <folder>', 'create the skill in this folder instead (must not exist)')
    .option('--register', 'add the folder to [skills] dirs in fleet.toml (comments are kept)')
    .action(async (name: string, options: { dir?: string; register?: boolean }, command: Command) => {
      const context = contextFor(session, command);
      assertSkillName(name);
      // The default folder lives in the home, and --register edits its fleet.toml: both need one.
      if (!options.dir || options.register) requireHome(context);
      const dir = options.dir
        ? path.resolve(context.io.cwd, options.dir)
        : path.join(context.home, 'skills', name);
      const scaffolded = scaffoldSkill({ name, dir });
      const registered = options.register
        ? addSkillsDir({ configFile: context.paths.config, home: context.home, dir })
        : undefined;
      if (context.json) {
        context.printJson({
          name: scaffolded.name,
          dir: scaffolded.dir,
          skill_file: scaffolded.skillFile,
          test_file: scaffolded.testFile,
          package_file: scaffolded.packageFile,
          registered: registered ? { entry: registered.entry, added: registered.added } : null,
        });
        return;
      }
      context.print(
        `created ${scaffolded.skillFile}\ncreated ${scaffolded.testFile}\ncreated ${scaffolded.packageFile}\n`,
      );
      if (registered) {
        context.print(
          registered.added
            ? `added "${registered.entry}" to [skills] dirs in ${context.paths.config}\n`
            : `[skills] dirs already lists "${registered.entry}"\n`,
        );
      } else {
        context.print(
          `to load it, add its folder to [skills] dirs in fleet.toml (or re-run with --register)\n`,
        );
      }
      context.print(`test it: cd ${dir} && npm install && npm test\n`);
    });
}
