/**
 * Few-shot task sets for multi-task studies (intrinsic prompt tuning): whole tasks and pairs of a
 * multi-class task's classes ({@link dev.iclab.data.fewshot.TaskFamilies}), sampled K per class as
 * CrossFit does ({@link dev.iclab.data.fewshot.FewShotSampler}).
 */
package dev.iclab.data.fewshot;
