import { EncryptionCodec } from '../../codec/codec';
import { type CodecKeys, parseCodecKeys } from '../../codec/keys';

/**
 * The payload codec keys of the test suite (a test fixture, never a deployment's): fixed so that every
 * test file's process, the worker processes they spawn and the audit project (test/audit) read and write
 * the same encrypted histories on the shared dev server.
 */
export const TEST_CODEC_KEYS = 'bindery-test-1:4VDkgbV65FAjPOBrqVNSuAZ6FVQRKD7xs7Eouf34IhM=';

export const testCodecKeys = (): CodecKeys => parseCodecKeys(TEST_CODEC_KEYS);
export const testCodec = () => new EncryptionCodec(testCodecKeys());
