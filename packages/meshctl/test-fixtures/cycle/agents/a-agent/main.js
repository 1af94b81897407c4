// Fixture agent process: see ../../../fake-agent-process.js.
import '../../../fake-agent-process.js';
