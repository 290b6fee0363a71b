#!/usr/bin/env node
// The published entry point: runs the compiled CLI (npm start and npm test build it first).
import '../dist/cli/main.js';
