import { ReferenceKernel } from "../../src/kernel/reference";
import { kernelContract } from "./contract";
import { engineContract } from "./contract-engines";

kernelContract("reference", () => new ReferenceKernel());
engineContract("reference", () => new ReferenceKernel());
