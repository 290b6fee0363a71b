import { invalid } from '../../lib/errors.js';

const NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

export function validateRepoName(name: string): string {
  if (name.length === 0) throw invalid('repo_name_missing', 'name', 'Repository name is required.', 'missing_field');
  if (!NAME_PATTERN.test(name)) {
    throw invalid('repo_name_invalid', 'name', 'Repository names may contain only letters, digits, ".", "-" and "_" (1-100 characters).');
  }
  if (name === '.' || name === '..') throw invalid('repo_name_reserved', 'name', `"${name}" is not a valid repository name.`);
  if (name.toLowerCase().endsWith('.git')) throw invalid('repo_name_git_suffix', 'name', 'Repository names cannot end with ".git".');
  return name;
}

export function validateDescription(description: string | null | undefined): string | null {
  if (description === null || description === undefined || description.trim() === '') return null;
  if (description.length > 350) throw invalid('description_too_long', 'description', 'Description is too long (maximum is 350 characters).');
  return description;
}
