# Scratch baseline per (experiment, gamma, seed): independent of theta.


rule scratch:
    input:
        tasks=f"{RES}/{{exp}}/tasks/seed{{seed}}.npz",
        design=f"{RES}/{{exp}}/design/gamma{{gamma}}_seed{{seed}}.npz",
    output:
        f"{RES}/{{exp}}/scratch/gamma{{gamma}}_seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.scratch_spec(EXP[w.exp], float(w.gamma), int(w.seed)),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/scratch/gamma{{gamma}}_seed{{seed}}.log",
    benchmark:
        f"{RES}/{{exp}}/benchmarks/scratch/gamma{{gamma}}_seed{{seed}}.tsv"
    group:
        "baselines"
    resources:
        mem_mb=lambda w, attempt: job_mem_mb(w, 8 * len(EXP[w.exp].weight_decays), attempt),
        runtime=lambda w, attempt: job_runtime_min(w, 5 * len(EXP[w.exp].weight_decays), attempt),
    script:
        "../scripts/job.py"
