/**
 * Helper for the image tests: the programs a container shell script runs, so a script that starts calling a
 * tool the production image does not hold (it carries a chosen few, not a Debian userland) fails a test
 * rather than a container. A reading of the plain scripts in deploy/docker, not a shell parser: it takes the
 * first word of every command (line starts, after `;`, `&&`, `||`, `|`, `$(`, keywords and `exec`), leaving
 * out builtins, keywords, the script's own functions, assignments, variables and paths into the image.
 */

const SKIPPED_WORDS = new Set([
  // keywords
  'if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'do', 'done', 'esac', '{', '}', '!', 'in',
  // builtins of dash and bash
  'set', 'export', 'exec', 'echo', 'printf', 'read', 'exit', 'return', 'shift', 'local', 'continue',
  'break', '[', 'test', 'true', 'false', ':', 'cd', 'command', 'unset', 'wait', 'trap', 'eval', '.',
]); // prettier-ignore

/** Words after which the next word is again a command. */
const PREFIXES = new Set(['if', 'then', 'elif', 'else', 'while', 'until', 'do', '!', 'exec', '{']);

export function externalCommands(script: string): Set<string> {
  const functions = new Set([...script.matchAll(/^\s*([\w-]+)\(\)/gm)].map((match) => match[1]!));
  const commands = new Set<string>();
  const shebang = /^#!\S*\/(\w+)/.exec(script);
  if (shebang) commands.add(shebang[1]!);
  const lines = script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    // case patterns (`registry)`, `*-agent|api-gateway)`) hold no command
    .map((line) => line.replace(/^\s*[^\s()]+\)/, ''));
  for (const line of lines) {
    for (const segment of line.split(/;|&&|\|\||\||\$\(/)) {
      const words = segment.trim().split(/\s+/);
      if (words[0] === 'for' || words[0] === 'case') continue;
      let index = 0;
      while (index < words.length && PREFIXES.has(words[index]!)) index += 1;
      // `$(hostname)}"`: the closing characters of a substitution or quote are not part of the name
      const word = words[index]?.replace(/[)}"'`]+$/, '');
      if (word === undefined || word === '' || SKIPPED_WORDS.has(word) || functions.has(word)) continue;
      if (/[=$'"/()<>]/.test(word) || word.startsWith('-')) continue;
      commands.add(word);
    }
  }
  return commands;
}
