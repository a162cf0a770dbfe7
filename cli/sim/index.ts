#!/usr/bin/env -S npx tsx
/** Entry of `npm run sim`; everything else is in main.ts. */
import { runMain } from "../shared/io";
import { main } from "./main";

runMain(main);
