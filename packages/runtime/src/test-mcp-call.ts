// The plain MCP client every test uses lives in @mesh/testkit; the runtime's tests take it from here.
export { callTool } from '@mesh/testkit';
export type { ToolCallReply } from '@mesh/testkit';

/** A promise a test resolves when it likes: holds a tool handler in flight. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
