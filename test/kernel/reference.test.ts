import { ReferenceKernel } from "../../src/kernel/reference";
import { kernelContract } from "./contract";

kernelContract("reference", () => new ReferenceKernel());
