/**
 * The nvidia-smi parser on every real capture in test/fixtures/nvidia-smi/. Expected numbers were
 * read off the files independently (Python's ElementTree over the XML, the CSV by eye), not
 * copied from the parser's output.
 */
import { describe, expect, it } from "vitest";
import { CAPTURES, FIXTURES, H200_QUERY_TXT } from "../fixtures/nvidia-smi";
import { GpuReadingSchema, parseNvidiaSmi } from "../../src/telemetry/nvidia-smi";
import { routableFreeMb } from "../../src/telemetry/snapshot";

/** [uuid, name, total MiB, free MiB, temperature °C, utilization % | null, MIG devices] per GPU. */
type Row = [string, string, number, number, number, number | null, number];
const U = "GPU-12345678-aaaa-bbbb-cccc-0123456789";
const XML_EXPECTED: Record<string, Row[]> = {
  "public/telegraf/3090-v13.xml": [[`${U}ab`, "NVIDIA GeForce RTX 3090", 24576, 24120, 32, 0, 0]],
  "public/telegraf/a100-sxm4-v12.xml": [["GPU-513536b6-7d19-9063-b049-1e69664bb298", "NVIDIA A100-SXM4-80GB", 81920, 80999, 27, null, 4]],
  "public/telegraf/a10g.xml": [["GPU-9a9a6c50-2a47-2f51-a902-b82c3b127e94", "NVIDIA A10G", 23028, 22569, 17, 0, 0]],
  "public/telegraf/dual_2070-v13.xml": [[`${U}ab`, "NVIDIA GeForce RTX 2070", 8192, 7786, 14, 0, 0], [`${U}cd`, "NVIDIA GeForce RTX 2070", 8192, 7786, 13, 0, 0]],
  "public/telegraf/dual_2080-v13.xml": [[`${U}ab`, "NVIDIA GeForce RTX 2080", 8192, 7786, 15, 0, 0], [`${U}ab`, "NVIDIA GeForce RTX 2080", 8192, 7786, 15, 0, 0]],
  "public/telegraf/dual_a5000-v13.xml": [[`${U}ab`, "NVIDIA RTX A5000", 24564, 1678, 13, 0, 0], [`${U}cd`, "NVIDIA RTX A5000", 24564, 6862, 15, 0, 0]],
  "public/telegraf/gt-1030.xml": [["GPU-857c6374-f681-cf3a-f99f-9063a87b8ac0", "NVIDIA GeForce GT 1030", 1998, 1123, 36, 0, 0]],
  "public/telegraf/gtx-1070-ti.xml": [["GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665", "GeForce GTX 1070 Ti", 4096, 4054, 39, 0, 0]],
  "public/telegraf/gtx-1660-ti.xml": [["GPU-304a277d-3545-63b8-3a36-dfde3c992989", "Graphics Device", 5912, 5912, 40, 0, 0]],
  "public/telegraf/pro-6000-maxq-blackwell-v13.xml": [[`${U}ab`, "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", 97887, 31531, 24, 0, 0]],
  "public/telegraf/quadro-p2000-v12.xml": [["GPU-396caaed-39ca-3199-2e68-717cdb786ec6", "Quadro P2000", 5120, 5051, 34, 0, 0]],
  "public/telegraf/quadro-p400.xml": [["GPU-8f750be4-dfbc-23b9-b33f-da729a536494", "Quadro P400", 1998, 1998, 33, 0, 0]],
  "public/telegraf/rtx-3060-v12.xml": [["GPU-d6889ff6-2523-9142-ca3c-1ca3f396a625", "NVIDIA GeForce RTX 3060", 12288, 11806, 42, 0, 0]],
  "public/telegraf/rtx-3080-v12.xml": [["GPU-19d6d965-2acc-f646-00f8-4c76979aabb4", "NVIDIA GeForce RTX 3080", 10240, 8938, 31, 0, 0]],
  "public/telegraf/rtx-3080-v13.xml": [["GPU-19d6d965-2acc-f646-00f8-4c76979aabb4", "NVIDIA GeForce RTX 3080", 10240, 660, 27, 65, 0]],
  "public/telegraf/rtx-3090-v12.xml": [[`${U}ab`, "NVIDIA GeForce RTX 3090", 24576, 24258, 37, 0, 0]],
  "public/telegraf/rtx-4000-sff-ada-v13.xml": [["GPU-37037c3f-65c8-ec4d-24a9-420204ad8026", "NVIDIA RTX 4000 SFF Ada Generation", 20475, 16482, 38, 0, 0]],
  "public/telegraf/tesla-t4.xml": [["GPU-d37e67a5-91dd-3774-a5cb-99096249601a", "Tesla T4", 15360, 13939, 40, 0, 0]],
  "public/telegraf/tesla_p4.xml": [["GPU-1b1ea7c7-1c4b-ed49-1c72-26c65f2dd207", "GRID P4-1Q", 1024, 106, 0, 0, 0]],
  "public/telegraf/tesla_t4.xml": [["GPU-f6e826dc-c9d7-ac58-6d5d-9048c9e1c124", "Tesla T4", 15360, 14882, 31, 0, 0]],
  "h200-driver580/q_idle.xml": [["GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761", "NVIDIA H200", 143771, 143156, 37, 0, 0]],
  "h200-driver580/q_load.xml": [["GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761", "NVIDIA H200", 143771, 113534, 57, 100, 0]],
};

const H200 = "GPU-2f250b0d-4f72-60e2-86e8-f494ff34e761";
const fields = (which: "core" | "extended") => FIXTURES[`h200-driver580/csv/fields-${which}.txt`]!.trim().split(",");
const xml = (path: string) => parseNvidiaSmi(FIXTURES[path]!);

describe("every capture", () => {
  it("has an expectation (no fixture left untested)", () => {
    const xmlPaths = CAPTURES.map(([p]) => p).filter((p) => p.endsWith(".xml"));
    expect(xmlPaths.sort()).toEqual(Object.keys(XML_EXPECTED).sort());
    expect(CAPTURES.filter(([p]) => p.endsWith(".csv"))).toHaveLength(8);
  });

  for (const [path, rows] of Object.entries(XML_EXPECTED)) {
    it(`reads ${path}`, () => {
      const reading = xml(path);
      expect(reading.format).toBe("xml");
      expect(reading.gpus.map((g) => [g.uuid, g.name, g.memory_total_mb, g.memory_free_mb, g.temperature_c, g.utilization_gpu_pct, g.mig_devices.length])).toEqual(rows);
      expect(reading.gpus.map((g) => g.index)).toEqual(rows.map((_, i) => i));
      for (const gpu of reading.gpus) expect(GpuReadingSchema.parse(gpu)).toEqual(gpu);
    });
  }

  it("reads the four CSV variants of the idle and loaded H200", () => {
    for (const state of ["idle", "load"] as const) {
      const [free, temp, util] = state === "idle" ? [143156, 37, 0] : [113534, 57, 100];
      for (const which of ["core", "extended"] as const) {
        const header = parseNvidiaSmi(FIXTURES[`h200-driver580/csv/${state}-${which}-header-units.csv`]!);
        const bare = parseNvidiaSmi(FIXTURES[`h200-driver580/csv/${state}-${which}-noheader-nounits.csv`]!, { fields: fields(which) });
        for (const reading of [header, bare]) {
          expect(reading.format).toBe("csv");
          expect(reading.gpus).toHaveLength(1);
          expect(reading.gpus[0]).toMatchObject({ index: 0, uuid: H200, name: "NVIDIA H200", memory_total_mb: 143771, memory_free_mb: free, temperature_c: temp, utilization_gpu_pct: util });
          GpuReadingSchema.parse(reading.gpus[0]);
        }
      }
    }
  });

  it("reads the extended CSV fields: reserved memory, power, pstate, event reasons, ECC, MIG mode", () => {
    const idle = parseNvidiaSmi(FIXTURES["h200-driver580/csv/idle-extended-header-units.csv"]!).gpus[0]!;
    expect(idle).toMatchObject({
      memory_used_mb: 0, memory_reserved_mb: 616, utilization_memory_pct: 0, power_draw_w: 130.26, power_limit_w: 700,
      pstate: "P0", throttle_reasons: ["gpu_idle"], ecc_errors_uncorrected: 0, mig_mode: "disabled", mig_devices: [],
    });
    const load = parseNvidiaSmi(FIXTURES["h200-driver580/csv/load-extended-noheader-nounits.csv"]!, { fields: fields("extended") }).gpus[0]!;
    expect(load).toMatchObject({ memory_used_mb: 29623, utilization_memory_pct: 22, power_draw_w: 690.31, throttle_reasons: ["sw_power_cap"] });
  });

  it("takes free memory from memory.free, never total − used (616 MiB are reserved on the H200)", () => {
    const gpu = xml("h200-driver580/q_idle.xml").gpus[0]!;
    expect(gpu.memory_total_mb! - gpu.memory_used_mb!).toBe(143771);
    expect(gpu.memory_free_mb).toBe(143156);
    expect(gpu.memory_reserved_mb).toBe(616);
  });

  it("csv/ files are verbatim sections of query.txt", () => {
    const sections = H200_QUERY_TXT.split(/^## .*\n/m).slice(1).filter((s) => !s.startsWith("pid,"));
    const csv = CAPTURES.filter(([p]) => p.endsWith(".csv")).map(([, text]) => text);
    expect(csv.sort()).toEqual(sections.sort());
  });
});

describe("schema versions and driver generations", () => {
  it("finds power under power_readings (v10/v11), gpu_power_readings (v12) and average_power_draw (v13)", () => {
    expect(xml("public/telegraf/a10g.xml").gpus[0]).toMatchObject({ power_draw_w: 25.58, power_limit_w: 300 });
    expect(xml("public/telegraf/a100-sxm4-v12.xml").gpus[0]).toMatchObject({ power_draw_w: 67.03, power_limit_w: 500 });
    expect(xml("public/telegraf/3090-v13.xml").gpus[0]).toMatchObject({ power_draw_w: 35.06, power_limit_w: 350 });
    expect(xml("h200-driver580/q_load.xml").gpus[0]).toMatchObject({ power_draw_w: 690.2, power_limit_w: 700 });
    expect(xml("public/telegraf/gtx-1070-ti.xml").gpus[0]).toMatchObject({ power_draw_w: null, power_limit_w: null });
  });

  it("reads clocks_throttle_reasons (old) and clocks_event_reasons (new); N/A on vGPU is null", () => {
    expect(xml("public/telegraf/a10g.xml").gpus[0]!.throttle_reasons).toEqual(["gpu_idle"]);
    expect(xml("h200-driver580/q_load.xml").gpus[0]!.throttle_reasons).toEqual(["sw_power_cap"]);
    expect(xml("public/telegraf/a100-sxm4-v12.xml").gpus[0]!.throttle_reasons).toEqual([]);
    expect(xml("public/telegraf/tesla_p4.xml").gpus[0]!.throttle_reasons).toBeNull();
  });

  it("sums volatile uncorrectable ECC counters, null when all are N/A", () => {
    expect(xml("h200-driver580/q_load.xml").gpus[0]!.ecc_errors_uncorrected).toBe(0);
    expect(xml("public/telegraf/gtx-1660-ti.xml").gpus[0]!.ecc_errors_uncorrected).toBeNull();
    expect(xml("public/telegraf/tesla_p4.xml").gpus[0]!.ecc_errors_uncorrected).toBeNull();
  });

  it("keeps the order of the log as the index even when minor numbers are swapped (dual A5000)", () => {
    expect(xml("public/telegraf/dual_a5000-v13.xml").gpus.map((g) => [g.index, g.memory_free_mb])).toEqual([[0, 1678], [1, 6862]]);
  });

  it("reads MIG devices with their own memory, apart from the GPU's", () => {
    const gpu = xml("public/telegraf/a100-sxm4-v12.xml").gpus[0]!;
    expect(gpu.mig_mode).toBe("enabled");
    expect(gpu.memory_free_mb).toBe(80999);
    expect(gpu.mig_devices[0]).toEqual({
      index: 0, gpu_instance_id: 3, compute_instance_id: 0, memory_total_mb: 19968, memory_used_mb: 12, memory_free_mb: 19955, memory_reserved_mb: 0,
    });
    // A model runs inside one MIG instance: routing sees the largest free instance, not the GPU.
    expect(routableFreeMb(gpu)).toBe(Math.max(...gpu.mig_devices.map((d) => d.memory_free_mb!)));
    expect(routableFreeMb(gpu)).toBeLessThan(20000);
  });

  it("reads driver and CUDA versions when the log has them", () => {
    expect(xml("h200-driver580/q_idle.xml")).toMatchObject({ driver_version: "580.159.04", cuda_version: "13.0" });
    expect(xml("public/telegraf/gtx-1070-ti.xml")).toMatchObject({ driver_version: null, cuda_version: null });
  });
});
