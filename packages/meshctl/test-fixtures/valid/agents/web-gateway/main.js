// Fixture agent process: see ../../../fake-agent-main.js.
import '../../../fake-agent-main.js';
