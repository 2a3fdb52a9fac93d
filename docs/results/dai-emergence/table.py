"""Prints a checkpoint table of docs/results/dai-emergence/README.md: python3 table.py DAI_OUT/metrics.json"""
import json,sys
d=json.load(open(sys.argv[1]))
print("| step | ZSL | ICL | FT | lab ICL | Rec2FTP (F2T of FT fixes) | Rec2FTP chance | SimAOU | random | mismatched | SimAOU - mismatched | FT lr |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for c in d['checkpoints']:
    lab='-' if c['step']==0 else '%.3f'%c['lab_icl_acc']
    lr=('%g'%c['ft_lr'])
    print(f"| {c['step']} | {c['zsl_acc']:.3f} | {c['icl_acc']:.3f} | {c['ft_acc']:.3f} | {lab} | {'undefined' if c['rec2ftp'] is None else '%.1f'%c['rec2ftp']} ({c['n_f2t']} of {c['n_ft_fixes']}) | {'-' if c['rec2ftp_permuted'] is None else '%.1f'%c['rec2ftp_permuted']} | {c['simaou']:.3f} | {c['simaou_random']:.3f} | {c['simaou_mismatched']:.3f} | {c['simaou_minus_mismatched']:.3f} | {lr} |")
