// Fixture infrastructure: prints a JSON ready line with a url (like the embedded Postgres CLI), then idles.
const port = process.argv[2];
setTimeout(
  () => console.log(JSON.stringify({ event: 'ready', url: `postgres://u:p@127.0.0.1:${port}/postgres` })),
  100,
);
const timer = setInterval(() => undefined, 1000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  process.exit(0);
});
