#!/usr/bin/env node
import '../dist/src/runtime/main.js';
