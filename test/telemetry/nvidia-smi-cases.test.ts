/**
 * The nvidia-smi parser on hand-made inputs: 8-GPU machines, MIG, unknown markers everywhere,
 * truncated output, extra columns and garbage. Garbage must throw a ParseError naming the line
 * or field; it must never return a partial list.
 */
import { describe, expect, it } from "vitest";
import { FIXTURES } from "../fixtures/nvidia-smi";
import { parseNvidiaSmi, ParseError } from "../../src/telemetry/nvidia-smi";
import { CSV_SOURCE, XML_SOURCE, eightGpuCsvFrom, eightGpuXmlFrom } from "../support/nvidia-smi-builders";

const eightGpuCsv = () => eightGpuCsvFrom(FIXTURES[CSV_SOURCE]!);
const eightGpuXml = () => eightGpuXmlFrom(FIXTURES[XML_SOURCE]!);

const HEADER = "index, uuid, name, memory.total [MiB], memory.used [MiB], memory.free [MiB], temperature.gpu, utilization.gpu [%]";
const ROW = "0, GPU-aaaa, NVIDIA H200, 143771 MiB, 0 MiB, 143156 MiB, 37, 0 %";

function parseError(text: string, options: Parameters<typeof parseNvidiaSmi>[1] = {}): ParseError {
  try {
    parseNvidiaSmi(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error("expected a ParseError, got a result");
}

describe("8-GPU machines", () => {
  it("reads an 8-GPU CSV in index order with each GPU's own numbers", () => {
    const gpus = parseNvidiaSmi(eightGpuCsv()).gpus;
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gpus.map((g) => g.memory_free_mb)).toEqual([143156, 133156, 123156, 113156, 103156, 93156, 83156, 73156]);
    expect(new Set(gpus.map((g) => g.uuid)).size).toBe(8);
  });

  it("reads an 8-GPU -q -x log built from the real H200 <gpu> element", () => {
    const gpus = parseNvidiaSmi(eightGpuXml()).gpus;
    expect(gpus).toHaveLength(8);
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gpus.every((g) => g.memory_free_mb === 113534 && g.temperature_c === 57)).toBe(true);
  });

  it("sorts rows by their index column, not their position", () => {
    const text = `${HEADER}\n1, GPU-b, X, 100 MiB, 0 MiB, 90 MiB, 30, 1 %\n0, GPU-a, X, 100 MiB, 0 MiB, 80 MiB, 31, 2 %\n`;
    expect(parseNvidiaSmi(text).gpus.map((g) => [g.index, g.uuid])).toEqual([[0, "GPU-a"], [1, "GPU-b"]]);
  });
});

describe("unknown values", () => {
  const markers = ["[N/A]", "N/A", "[Not Supported]", "[Unknown Error]", "ERR!", "[Requested functionality has been deprecated]", "[Function Not Found]", "[GPU is lost]"];

  for (const marker of markers) {
    it(`reads ${marker} as null, never 0`, () => {
      const text = `${HEADER}, power.draw [W], ecc.errors.uncorrected.volatile.total, clocks_event_reasons.active, mig.mode.current, pstate\n` +
        `0, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}, ${marker}\n`;
      const gpu = parseNvidiaSmi(text).gpus[0]!;
      for (const key of ["uuid", "name", "memory_total_mb", "memory_used_mb", "memory_free_mb", "temperature_c", "utilization_gpu_pct", "power_draw_w", "ecc_errors_uncorrected", "throttle_reasons", "mig_mode", "pstate"] as const) {
        expect(gpu[key], key).toBeNull();
      }
    });
  }

  it("reads unknown XML leaves (Unknown Error, N/A) as null", () => {
    const text = FIXTURES["h200-driver580/q_idle.xml"]!
      .replace("<gpu_temp>37 C</gpu_temp>", "<gpu_temp>Unknown Error</gpu_temp>")
      .replace("<free>143156 MiB</free>", "<free>N/A</free>")
      .replace("<gpu_util>0 %</gpu_util>", "<gpu_util>[Not Supported]</gpu_util>");
    expect(parseNvidiaSmi(text).gpus[0]).toMatchObject({ temperature_c: null, memory_free_mb: null, utilization_gpu_pct: null, memory_total_mb: 143771 });
  });
});

describe("MIG", () => {
  it("reads MIG mode from CSV and leaves the device list empty (the CSV has none)", () => {
    const gpu = parseNvidiaSmi(`index, mig.mode.current, memory.free [MiB]\n0, Enabled, 1000 MiB\n`).gpus[0]!;
    expect(gpu).toMatchObject({ mig_mode: "enabled", mig_devices: [], memory_free_mb: 1000 });
  });

  it("reads every MIG device of a hand-made log with its own memory", () => {
    const device = (i: number, free: number) =>
      `<mig_device><index>${i}</index><gpu_instance_id>${i + 1}</gpu_instance_id><compute_instance_id>0</compute_instance_id>` +
      `<fb_memory_usage><total>40192 MiB</total><reserved>0 MiB</reserved><used>${40192 - free} MiB</used><free>${free} MiB</free></fb_memory_usage></mig_device>`;
    const text = `<?xml version="1.0" ?><nvidia_smi_log><gpu id="0"><uuid>GPU-m</uuid><mig_mode><current_mig>Enabled</current_mig></mig_mode>` +
      `<mig_devices>${device(0, 40000)}${device(1, 10)}</mig_devices><fb_memory_usage><total>81920 MiB</total><used>40000 MiB</used><free>40010 MiB</free></fb_memory_usage></gpu></nvidia_smi_log>`;
    const gpu = parseNvidiaSmi(text).gpus[0]!;
    expect(gpu.memory_free_mb).toBe(40010);
    expect(gpu.mig_devices.map((d) => [d.index, d.gpu_instance_id, d.memory_free_mb])).toEqual([[0, 1, 40000], [1, 2, 10]]);
  });
});

describe("extra and unknown columns", () => {
  it("skips columns it does not know, with or without a header", () => {
    const text = `index, fan.speed [%], some.future.field [X], memory.free [MiB], temperature.gpu\n3, [N/A], whatever, 512 MiB, 40\n`;
    expect(parseNvidiaSmi(text).gpus[0]).toMatchObject({ index: 3, memory_free_mb: 512, temperature_c: 40 });
    const bare = parseNvidiaSmi("3, 77, x, 512, 40\n", { fields: ["index", "fan.speed", "future", "memory.free", "temperature.gpu"] });
    expect(bare.gpus[0]).toMatchObject({ index: 3, memory_free_mb: 512, temperature_c: 40 });
  });

  it("accepts the alias names nvidia-smi takes (gpu_uuid, gpu_name, clocks_throttle_reasons.active)", () => {
    const gpu = parseNvidiaSmi("0, GPU-x, Tesla T4, 0x0000000000000044\n", { fields: ["index", "gpu_uuid", "gpu_name", "clocks_throttle_reasons.active"] }).gpus[0]!;
    expect(gpu).toMatchObject({ uuid: "GPU-x", name: "Tesla T4", throttle_reasons: ["sw_power_cap", "hw_thermal_slowdown"] });
  });

  it("prefers power.draw over its average and instant variants", () => {
    const gpu = parseNvidiaSmi("0, 10, 20, 30\n", { fields: ["index", "power.draw.instant", "power.draw", "power.draw.average"] }).gpus[0]!;
    expect(gpu.power_draw_w).toBe(20);
    const fallback = parseNvidiaSmi("0, 10, [N/A], 30\n", { fields: ["index", "power.draw.instant", "power.draw", "power.draw.average"] }).gpus[0]!;
    expect(fallback.power_draw_w).toBe(30);
  });
});

describe("truncated output", () => {
  it("rejects a CSV whose last row is cut short, naming the line", () => {
    const error = parseError(`${HEADER}\n${ROW}\n1, GPU-b, NVIDIA H200, 1437`);
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/line 3.*expected 8 comma-separated fields, got 4 \(truncated output\?\) in '1, GPU-b, NVIDIA H200, 1437'/);
  });

  it("quotes a message printed in place of a row, and does not call it truncated", () => {
    const error = parseError(`${HEADER}\n${ROW}\nUnable to determine the device handle for GPU 0000:02:00.0: GPU is lost.  Reboot the system to recover this GPU\n`);
    expect(error.line).toBe(3);
    expect(error.message).toBe("line 3: expected 8 comma-separated fields, got 1 in 'Unable to determine the device handle fo…'");
  });

  it("rejects a header with no rows", () => {
    expect(parseError(`${HEADER}\n`).message).toMatch(/no GPU rows/);
  });

  it("rejects every real XML capture cut anywhere inside", () => {
    for (const path of ["h200-driver580/q_load.xml", "public/telegraf/a100-sxm4-v12.xml", "public/telegraf/gtx-1070-ti.xml"]) {
      const text = FIXTURES[path]!;
      for (const fraction of [0.1, 0.5, 0.9, 0.999]) {
        const error = parseError(text.slice(0, Math.floor(text.length * fraction)));
        expect(error.message, `${path} at ${fraction}`).toMatch(/not well-formed XML|nvidia_smi_log/);
      }
    }
  });

  it("rejects a log cut inside <supported_clocks>, the block the reader skips, with the true line", () => {
    const text = FIXTURES["h200-driver580/q_load.xml"]!;
    const cut = text.slice(0, text.indexOf("<supported_graphics_clock>1500 MHz"));
    expect(parseError(cut).message).toMatch(/not well-formed XML/);
    // A break after the skipped block is still reported on its real line.
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.includes("<process_name>python3</process_name>"));
    lines[at] = lines[at]!.replace("</process_name>", "</process_nam>");
    expect(parseError(lines.join("\n")).line).toBe(at + 1);
  });

  it("names the line of an XML syntax error", () => {
    const error = parseError("<?xml version=\"1.0\" ?>\n<nvidia_smi_log>\n<gpu>\n<uuid>x</uuid>\n</nvidia_smi_log>\n");
    expect(error.line).toBeGreaterThanOrEqual(3);
  });
});

describe("garbage", () => {
  it("rejects empty input and text that is not nvidia-smi output", () => {
    expect(parseError("").message).toMatch(/empty/);
    expect(parseError("   \n \n").message).toMatch(/empty/);
    expect(parseError("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n").message).toMatch(/no known nvidia-smi field/);
    expect(parseError("\u0000\u0001\u0002binary").message).toMatch(/no known nvidia-smi field/);
  });

  it("tells a noheader CSV without its field list to pass one", () => {
    expect(parseError("0, GPU-x, NVIDIA H200, 143771, 0, 143156, 37, 0\n").message).toMatch(/pass the --query-gpu field list/);
  });

  it("names the line and field of a value that is not a number", () => {
    const error = parseError(`${HEADER}\n0, GPU-a, H200, 143771 MiB, 0 MiB, lots MiB, 37, 0 %\n`);
    expect([error.line, error.field]).toEqual([2, "memory.free"]);
    expect(error.path).toBe("line 2 memory.free");
  });

  it("rejects a value in the wrong unit", () => {
    expect(parseError(`${HEADER}\n0, GPU-a, H200, 140 GiB, 0 MiB, 1 MiB, 37, 0 %\n`).field).toBe("memory.total");
  });

  it("rejects rows with too many cells and duplicate indices", () => {
    expect(parseError(`${HEADER}\n${ROW}, extra\n`).message).toMatch(/expected 8 comma-separated fields, got 9/);
    expect(parseError(`${HEADER}\n${ROW}\n${ROW}\n`).message).toMatch(/index 0 appears twice/);
  });

  it("rejects a bad throttle mask and a bad MIG mode", () => {
    expect(parseError("0, 44\n", { fields: ["index", "clocks_event_reasons.active"] }).field).toBe("clocks_event_reasons.active");
    expect(parseError("0, Maybe\n", { fields: ["index", "mig.mode.current"] }).field).toBe("mig.mode.current");
  });

  it("rejects XML that is not an nvidia-smi log, has no GPU, or holds a non-number", () => {
    expect(parseError("<html><body>502 Bad Gateway</body></html>").field).toBe("nvidia_smi_log");
    expect(parseError("<nvidia_smi_log><driver_version>1</driver_version></nvidia_smi_log>").field).toBe("nvidia_smi_log.gpu");
    const bad = FIXTURES["h200-driver580/q_idle.xml"]!.replace("<free>143156 MiB</free>", "<free>plenty</free>");
    expect(parseError(bad).field).toBe("gpu[0].fb_memory_usage.free");
  });

  it("can be forced to a format, and then reports that format's error", () => {
    expect(parseError(FIXTURES["h200-driver580/csv/idle-core-header-units.csv"]!, { format: "xml" }).message).toMatch(/not well-formed XML|nvidia_smi_log/);
  });
});
