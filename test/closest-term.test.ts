import { describe, expect, it } from 'vitest';
import { closestTerm, editDistance } from '../src/closest-term.js';

const PARTICIPANT_KEYS = ['id', 'name', 'description', 'legalAddress', 'headquartersAddress', 'registrationNumbers', 'termsAndConditions'];

describe('editDistance()', () => {
  it.each([
    ['legalAdress', 'legalAddress', 1],
    ['optoins', 'options', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('%s -> %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});

describe('closestTerm()', () => {
  it.each([
    ['legalAdress', 'legalAddress'],
    ['LegalAddress', 'legalAddress'],
    ['headquarterAddress', 'headquartersAddress'],
    ['registrationNumber', 'registrationNumbers'],
    ['nmae', 'name'],
  ])('names %s a slip of %s', (word, meant) => {
    expect(closestTerm(word, PARTICIPANT_KEYS)).toBe(meant);
  });

  it.each([
    ['colour', 'too far from every key'],
    ['legalName', 'too far from name (5 edits)'],
    ['name', 'a known key itself'],
  ])('names nothing for %s (%s)', (word) => {
    expect(closestTerm(word, PARTICIPANT_KEYS)).toBeUndefined();
  });

  it('names nothing when two keys are as close', () => {
    expect(closestTerm('cat', ['bat', 'hat'])).toBeUndefined();
  });
});

describe('closestTerm() on hostile input', () => {
  it('guesses nothing for a key longer than any term, without building its table', () => {
    expect(closestTerm('legalAddress' + 'x'.repeat(200_000), PARTICIPANT_KEYS)).toBeUndefined();
  });
});
