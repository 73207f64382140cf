# Pretraining on the infinite source (population loss) per (experiment, seed).


rule pretrain:
    input:
        tasks=f"{RES}/{{exp}}/tasks/seed{{seed}}.npz",
    output:
        f"{RES}/{{exp}}/pretrain/seed{{seed}}.npz",
    params:
        spec=lambda w: tcfg.pretrain_spec(EXP[w.exp], int(w.seed)),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/pretrain/seed{{seed}}.log",
    benchmark:
        f"{RES}/{{exp}}/benchmarks/pretrain/seed{{seed}}.tsv"
    resources:
        mem_mb=lambda w, attempt: job_mem_mb(w, 6, attempt),
        runtime=lambda w, attempt: job_runtime_min(w, 5, attempt),
    script:
        "../scripts/job.py"
