"""The Python module against the command: same numbers, same errors, many simulations in one
process. Run by ctest (python_module_test) with PYTHONPATH=<build>/python."""

import json
import os
import subprocess
import tempfile
import textwrap
import unittest

import infsim

SOURCE = os.environ.get("INFSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("INFSIM_BINARY", "")


class RunTest(unittest.TestCase):
    def test_flags_form_matches_the_command(self):
        # The same driver code behind both: the JSON documents are identical, number for number.
        r = infsim.run(model="resnet50", cores=2, iterations=20)
        if not BINARY:
            self.skipTest("INFSIM_BINARY not set")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "r.json")
            subprocess.run([BINARY, "-q", "run", "--model", "resnet50", "--cores", "2",
                            "--iterations", "20", "--json", path], check=True,
                           stdout=subprocess.DEVNULL)
            with open(path) as f:
                self.assertEqual(dict(r), json.load(f))

    def test_more_copies_more_throughput_and_runs_repeat_in_one_process(self):
        # Data-parallel copies on more NeuronCores serve more images per second (each core
        # runs its own copy; the host is not the bottleneck at 4 cores: tutorial 267 -> 466/s).
        # Three simulations in one Python process: SystemC elaborates once per process, so
        # each must run in its own child, and the repeat must give the same numbers.
        one = infsim.run(model="resnet50", cores=1, iterations=20)
        four = infsim.run(model="resnet50", cores=4, iterations=20)
        again = infsim.run(model="resnet50", cores=1, iterations=20)
        t1 = one["scenarios"][0]["throughput_avg"]
        t4 = four["scenarios"][0]["throughput_avg"]
        self.assertGreater(t4, 1.5 * t1)
        self.assertEqual(dict(one), dict(again))
        # NeuronPerf's throughput_peak: the best window, never below the mean.
        self.assertGreaterEqual(four["scenarios"][0]["throughput_peak"], t4)

    def test_set_changes_the_config(self):
        # Halving the NeuronCore clock cannot make a compute-bound ResNet-50 faster.
        base = infsim.run(model="resnet50", iterations=20)
        slow = infsim.run(model="resnet50", iterations=20, set={"chip.core.clock": "0.5GHz"})
        self.assertLess(slow["scenarios"][0]["throughput_avg"],
                        base["scenarios"][0]["throughput_avg"])


class ErrorTest(unittest.TestCase):
    def test_kinds_and_messages_are_the_commands(self):
        with self.assertRaises(infsim.ImpossibleRequestError) as e:
            infsim.run(model="resnet50", cores=3, pipeline_cores=2)
        self.assertEqual(str(e.exception), "run: --cores 3 must be a multiple of --pipeline-cores 2")
        self.assertIsInstance(e.exception, infsim.Error)
        self.assertEqual(infsim.ImpossibleRequestError.kind, "impossible request")
        with self.assertRaises(infsim.InvalidConfigError) as e:
            infsim.run(model="resnet50", set={"chip.dram.bandwdth": "1GB/s"})
        self.assertIn("unknown key 'chip.dram.bandwdth'", str(e.exception))
        self.assertIn("did you mean 'chip.dram.bandwidth'", str(e.exception))
        with self.assertRaises(infsim.InvalidModelError):
            infsim.compile("no_such_model")
        with self.assertRaises(infsim.Error) as e:
            infsim.validate(os.path.join(SOURCE, "no", "such.csv"))
        self.assertIn("such.csv: cannot read the file", str(e.exception))


class CompileTest(unittest.TestCase):
    def test_report_numbers(self):
        # ResNet-50 is ~4.1 G multiply-accumulates per 224x224 image; a batch of 4 has 4x as
        # many (the count is exact arithmetic over the layers).
        b1 = infsim.compile("resnet50", batch=1, dtype="bf16")
        b4 = infsim.compile("resnet50", batch=4, dtype="bf16")
        self.assertGreater(b1["macs"], 3.8e9)
        self.assertLess(b1["macs"], 4.2e9)
        self.assertEqual(b4["macs"], 4 * b1["macs"])
        self.assertEqual(b1["dtype"], "bf16")
        self.assertEqual(len(b1["cores"]), 1)
        self.assertEqual(len(infsim.compile("resnet50", pipeline_cores=2)["cores"]), 2)
        self.assertIn("model resnet50  batch 1  dtype bf16", b1["report"])
        self.assertGreater(b1["cores"][0]["instructions"]["tensor"], 0)


class ValidateTest(unittest.TestCase):
    def test_one_row(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "v.csv")
            with open(path, "w") as f:
                f.write(textwrap.dedent("""\
                    name,instance,model,framework,dtype,batch_size,n_models,workers_per_model,pipeline_size,throughput_avg
                    one core,inf1.xlarge,resnet50,neuronperf,bf16,1,1,1,1,300
                    """))
            v = infsim.validate(path, requests=20)
        self.assertEqual(len(v["rows"]), 1)
        row = v["rows"][0]
        self.assertEqual(row["status"], "ok")
        self.assertEqual(row["values"]["throughput_avg"]["measured"], 300)
        self.assertGreater(row["values"]["throughput_avg"]["simulated"], 0)


class SweepTest(unittest.TestCase):
    def test_points_and_their_metrics(self):
        # Two points of a one-parameter study; the compile evaluator's MAC count is exact
        # arithmetic over the layers and doubles with the batch.
        with tempfile.TemporaryDirectory() as tmp:
            study = os.path.join(tmp, "s.yaml")
            with open(study, "w") as f:
                f.write(textwrap.dedent("""\
                    study: py
                    base: {instance: inf1.xlarge, model: tiny_cnn, dtype: bf16}
                    evaluate: [compile]
                    parameters:
                      batch: [1, 2]
                    metrics: [macs]
                    """))
            r = infsim.sweep(study, os.path.join(tmp, "out"), jobs=1)
            self.assertTrue(os.path.isfile(os.path.join(tmp, "out", "results.json")))
        points = r["points"]
        self.assertEqual([p["status"] for p in points], ["ok", "ok"])
        self.assertEqual(points[1]["metrics"]["macs"], 2 * points[0]["metrics"]["macs"])
        self.assertGreater(points[0]["metrics"]["macs"], 0)


class PandasTest(unittest.TestCase):
    def test_to_pandas(self):
        try:
            import pandas  # noqa: F401
        except ImportError:
            self.skipTest("pandas is not installed")
        df = infsim.run(model="resnet50", cores=2, iterations=20).to_pandas()
        self.assertEqual(len(df), 1)
        self.assertIn("throughput_avg", df.columns)
        self.assertIn("latency_ms_p99", df.columns)


if __name__ == "__main__":
    unittest.main()
