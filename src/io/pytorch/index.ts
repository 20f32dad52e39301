/** Reading PyTorch checkpoints (torch.save zip archives) safely: no code runs, storages are read lazily. */
export { bytesSource, type ByteSource } from './byte-source.ts';
export { CheckpointError } from './errors.ts';
export { openZip, type ZipArchive, type ZipEntry } from './zip.ts';
export { unpickle, torchPersistentLoad, storageTypes, type PyValue, type PyDict, type StorageRef, type TensorRef } from './unpickle.ts';
export { readTorchCheckpoint, stateDictOf, isLazyTensor, type LazyTensor, type TorchCheckpoint, type TorchDType, type TorchValue } from './checkpoint.ts';
export { hostValues } from './tensor-values.ts';
export { writeTorchSave, type TensorToWrite } from './write.ts';
