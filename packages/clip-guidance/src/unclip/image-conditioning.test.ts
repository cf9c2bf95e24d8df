// imageTokens / encodeImageCondition / referenceImage: shapes, the block layout, the null rows,
// no leaks, one-line errors.
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gen/core/testing';
import { SIZE, tinyClip } from '../__fixtures__/tiny-clip';
import { checkClipMatchesImageRecord, encodeImageCondition, imageEncoderRecordOf, imageTokens, referenceImage } from './image-conditioning';

describeWithBackends(
  'unCLIP image conditioning',
  () => {
    it('turns [B, D] embeddings into K tokens: slice k at its own positions, scaled by √D; null rows are zero', async () => {
      const embeddings = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]);
      const before = tf.memory().numTensors;
      const { encoderHiddenStates, encoderMask } = imageTokens(embeddings, 2, [true, false]);
      expect(encoderHiddenStates.shape).toEqual([2, 2, 4]);
      expect(encoderMask.shape).toEqual([2, 2]);
      expect(Array.from(await encoderHiddenStates.data())).toEqual([2, 4, 0, 0, 0, 0, 6, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(Array.from(await encoderMask.data())).toEqual([1, 1, 0, 0]);
      tf.dispose([encoderHiddenStates, encoderMask]);
      const one = imageTokens(embeddings, 1);
      expect(Array.from(await one.encoderHiddenStates.data())).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
      tf.dispose([one.encoderHiddenStates, one.encoderMask]);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => imageTokens(embeddings, 3)).toThrow("tokens (3) must be a positive integer dividing the CLIP's embedding width (4)");
      expect(() => imageTokens(tf.zeros([2, 2, 2]) as never, 1)).toThrow('embeddings');
      expect(() => imageTokens(embeddings, 2, [true])).toThrow('keep ([true]) must hold one flag per row (2)');
      embeddings.dispose();
    });

    it('encodes images with the CLIP and checks reference images against its image size', () => {
      const clip = tinyClip(1);
      const images = tf.zeros([3, SIZE, SIZE, 1]);
      const before = tf.memory().numTensors;
      const condition = encodeImageCondition(clip, images, 4);
      expect(condition.encoderHiddenStates.shape).toEqual([3, 4, 16]);
      tf.dispose([condition.encoderHiddenStates, condition.encoderMask]);
      const one = referenceImage(clip, tf.zeros([SIZE, SIZE, 1]));
      expect(one.shape).toEqual([1, SIZE, SIZE, 1]);
      one.dispose();
      expect(tf.memory().numTensors).toBe(before + 1);
      const wrong = tf.zeros([28, 28, 1]);
      expect(() => referenceImage(clip, wrong)).toThrow('image ("shape [28, 28, 1]") must be one 16×16×1 image in [0, 1] (the CLIP\'s image size)');
      expect(() => referenceImage(clip, images, 'reference')).toThrow('reference ("shape [3, 16, 16, 1]") must be one 16×16×1 image');
      expect(() => referenceImage(clip, 'ref.png' as never)).toThrow('image ("ref.png") must be one 16×16×1 image');
      tf.dispose([wrong, images]);
      clip.dispose();
    });

    it('reads and checks the image encoder record of a decoder checkpoint', () => {
      const clip = tinyClip(1);
      const record = { kind: 'clip-image-embedding', clip: 'pretrained:mnist', embedDim: 16, tokens: 4, imageShape: [SIZE, SIZE, 1], classNames: ['a'] };
      expect(imageEncoderRecordOf({ imageEncoder: record })).toEqual(record);
      expect(imageEncoderRecordOf({})).toBeNull();
      expect(() => imageEncoderRecordOf({ imageEncoder: { kind: 'x' } })).toThrow('config.imageEncoder is not an image encoder record');
      expect(() => checkClipMatchesImageRecord(clip, record as never)).not.toThrow();
      expect(() => checkClipMatchesImageRecord(clip, { ...record, embedDim: 32 } as never)).toThrow(
        'clip ("embedDim 16") is not the image encoder this decoder was trained with (embedDim 32, from pretrained:mnist)',
      );
      clip.dispose();
    });
  },
  { only: ['cpu'] },
);
