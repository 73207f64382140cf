# The ReLU student-teacher study (Section 4): pretraining per (mu, seed), scratch per (n, seed),
# one transfer cell per (mu, n, seed); tables and figures under <results>/relu/. Absent without a relu block.
# Not grouped for SLURM (unlike the linear cells): at the paper's size one ReLU cell is already minutes to hours.

if RELU is not None:

    wildcard_constraints:
        mu=tcfg.NUMBER_REGEX,
        n="[0-9]+",

    rule relu_pretrain:
        output:
            f"{RES}/relu/pretrain/mu{{mu}}_seed{{seed}}.npz",
        params:
            spec=lambda w: tcfg.relu_pretrain_spec(RELU, float(w.mu), int(w.seed)),
        conda:
            "../envs/transferability.yaml"
        log:
            f"{RES}/relu/logs/pretrain/mu{{mu}}_seed{{seed}}.log",
        benchmark:
            f"{RES}/relu/benchmarks/pretrain/mu{{mu}}_seed{{seed}}.tsv"
        resources:
            mem_mb=relu_job_mem_mb,
            runtime=relu_job_runtime_min,
        script:
            "../scripts/job.py"

    rule relu_scratch:
        output:
            f"{RES}/relu/scratch/n{{n}}_seed{{seed}}.npz",
        params:
            spec=lambda w: tcfg.relu_scratch_spec(RELU, int(w.n), int(w.seed)),
        conda:
            "../envs/transferability.yaml"
        log:
            f"{RES}/relu/logs/scratch/n{{n}}_seed{{seed}}.log",
        benchmark:
            f"{RES}/relu/benchmarks/scratch/n{{n}}_seed{{seed}}.tsv"
        resources:
            mem_mb=relu_job_mem_mb,
            runtime=relu_job_runtime_min,
        script:
            "../scripts/job.py"

    rule relu_cell:
        input:
            pretrain=f"{RES}/relu/pretrain/mu{{mu}}_seed{{seed}}.npz",
        output:
            f"{RES}/relu/cells/mu{{mu}}_n{{n}}_seed{{seed}}.npz",
        params:
            spec=lambda w: tcfg.relu_cell_spec(RELU, float(w.mu), int(w.n), int(w.seed)),
        conda:
            "../envs/transferability.yaml"
        log:
            f"{RES}/relu/logs/cells/mu{{mu}}_n{{n}}_seed{{seed}}.log",
        benchmark:
            f"{RES}/relu/benchmarks/cells/mu{{mu}}_n{{n}}_seed{{seed}}.tsv"
        resources:
            mem_mb=relu_job_mem_mb,
            runtime=relu_job_runtime_min,
        script:
            "../scripts/job.py"

    rule relu_aggregate:
        input:
            pretrain=[tcfg.relu_pretrain_path(RES, mu, s) for mu in RELU.mus for s in RELU.seeds],
            scratch=[tcfg.relu_scratch_path(RES, n, s) for n in RELU.ns for s in RELU.seeds],
            cells=[tcfg.relu_cell_path(RES, mu, n, s) for mu in RELU.mus for n in RELU.ns for s in RELU.seeds],
        output:
            runs=f"{RES}/relu/runs.csv",
            means=f"{RES}/relu/means.csv",
            fit=report(f"{RES}/relu/fit.csv", caption="../report/relu_tables.rst", category="ReLU study"),
            theory=report(f"{RES}/relu/theory.csv", caption="../report/relu_tables.rst", category="ReLU study"),
            pretraining=f"{RES}/relu/pretraining.csv",
            scratch=f"{RES}/relu/scratch.csv",
        params:
            study=tcfg.relu_record(RELU),
            numerics=tcfg.numerics_version("relu"),
        conda:
            "../envs/transferability.yaml"
        log:
            f"{RES}/relu/logs/aggregate.log",
        localrule: True
        script:
            "../scripts/relu_aggregate.py"

    rule relu_figures:
        input:
            means=f"{RES}/relu/means.csv",
            fit=f"{RES}/relu/fit.csv",
            theory=f"{RES}/relu/theory.csv",
            scratch=f"{RES}/relu/scratch.csv",
            kernel=tcfg.relu_pretrain_path(RES, RELU.kernel_figure_mu, RELU.seeds[0]),
        output:
            **{
                fig: report(
                    f"{RES}/relu/figures/{fig}.png",
                    caption=f"../report/relu_{fig}.rst",
                    category="ReLU study",
                    labels={"figure": fig},
                )
                for fig in RELU_FIGURES
            },
        params:
            study=tcfg.relu_record(RELU),
            numerics=tcfg.numerics_version("relu"),
        conda:
            "../envs/transferability.yaml"
        log:
            f"{RES}/relu/logs/figures.log",
        localrule: True
        script:
            "../scripts/relu_figures.py"
