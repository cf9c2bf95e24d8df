#!/usr/bin/env node
console.log('gen: see --help');
